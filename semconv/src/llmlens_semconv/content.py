"""The content policy: whether message content is recorded, where, and how
it is made safe first (media placeholders, redaction, size bounds).

Read once from the environment. It lives here, in the emitter's package, so
it holds under the plain ``opentelemetry-distro`` too; the llmlens distro
only configures it.

``OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT``
    ``NO_CONTENT`` (default), ``SPAN_ONLY``, ``EVENT_ONLY`` or
    ``SPAN_AND_EVENT``, any case; the legacy ``true``/``false`` mean
    ``SPAN_ONLY``/``NO_CONTENT``. Anything else logs one warning and means
    ``NO_CONTENT``.
``LLMLENS_MAX_CONTENT_LENGTH``
    Characters per recorded value (default 65536, at least 256): each
    string, each JSON content attribute and each structured event value. A
    cut is marked in the value (``…[truncated N chars]``).
``LLMLENS_MAX_MESSAGES``
    Messages per message list (default 100): the first and the most recent
    are kept, with a marker counting the ones left out.
``LLMLENS_KEEP_MEDIA``
    ``true`` keeps inline media (blob parts, ``data:`` URIs, long base64
    runs); by default each becomes ``<mime: ~N bytes omitted>``.

Redaction (``LLMLENS_REDACT``, see :mod:`llmlens_semconv.redaction`) is
imported only when content is captured.
"""

from __future__ import annotations

import enum
import json
import logging
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

_log = logging.getLogger(__name__)

ENV_CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
ENV_MAX_LENGTH = "LLMLENS_MAX_CONTENT_LENGTH"
ENV_MAX_MESSAGES = "LLMLENS_MAX_MESSAGES"
ENV_KEEP_MEDIA = "LLMLENS_KEEP_MEDIA"

DEFAULT_MAX_LENGTH = 64 * 1024
DEFAULT_MAX_MESSAGES = 100
# below this a value would be little more than its truncation mark
MIN_MAX_LENGTH = 256
TRUNCATION_MARK = "…[truncated {dropped} chars]"
REDACTION_FAILED = "<REDACTION_FAILED>"
# text beyond the length bound is cut before redaction, with this much slack
# so a secret that straddles the cut is still recognised whole
REDACTION_MARGIN = 1024
# a run of base64 characters at least this long is treated as inline media
BASE64_RUN_MIN = 1024
# when a structured value is too long, its strings are shortened down to this
_MIN_STRING_CAP = 64

_warned_values: set[str] = set()


class CaptureMode(enum.Enum):
    NO_CONTENT = "NO_CONTENT"
    SPAN_ONLY = "SPAN_ONLY"
    EVENT_ONLY = "EVENT_ONLY"
    SPAN_AND_EVENT = "SPAN_AND_EVENT"

    @classmethod
    def parse(cls, raw: str | None) -> CaptureMode:
        if raw is None or not raw.strip():
            return cls.NO_CONTENT
        value = raw.strip().upper()
        # the legacy boolean form of the variable
        if value == "TRUE":
            return cls.SPAN_ONLY
        if value == "FALSE":
            return cls.NO_CONTENT
        try:
            return cls[value]
        except KeyError:
            if raw not in _warned_values:  # one warning, however many emitters read it
                _warned_values.add(raw)
                _log.warning(
                    "%s=%r is not one of %s; recording no content",
                    ENV_CAPTURE, raw, ", ".join(m.value for m in cls),
                )
            return cls.NO_CONTENT


Redact = Callable[[str], str]

_warned_sites: set[str] = set()


def warn_once_without_details(site: str, exc: BaseException) -> None:
    """Log a failure on the content path once per site, naming only the
    exception type: its message or traceback could quote the content (and a
    log bridge would export it)."""
    if site in _warned_sites:
        return
    _warned_sites.add(site)
    _log.warning("llmlens: %s failed (%s); the value was withheld", site, type(exc).__name__)


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        _log.warning("%s=%r is not a whole number; using %d", name, raw, default)
        return default
    return value if value > 0 else default


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


# keys of the conventions' message shapes: never content, never redacted
_SCHEMA_KEYS = frozenset({
    "role", "parts", "type", "content", "name", "id", "arguments", "response",
    "finish_reason", "mime_type", "modality", "uri", "file_id", "description",
    "parameters", "server_tool_call", "server_tool_call_response", "transcript",
})
_BASE64_CHARS = "[A-Za-z0-9+/=_-]"
# a run of BASE64_RUN_MIN characters covers a whole aligned window of half
# that length, so probing each window start finds every run cheaply
_BASE64_WINDOW = BASE64_RUN_MIN // 2


class _Patterns:
    """The content regexes, compiled on first use: with content off (the
    default) start-up compiles none of them."""

    @cached_property
    def credential_key(self) -> re.Pattern[str]:
        # a value under a key named like this is a credential, whatever it looks like
        return re.compile(
            r"passw(?:or)?d|passphrase|secret|api[_-]?key|access[_-]?token|auth[_-]?token"
            r"|refresh[_-]?token|id[_-]?token|session[_-]?token|authorization"
            r"|private[_-]?key|credential|cookie",
            re.IGNORECASE,
        )

    @cached_property
    def data_uri(self) -> re.Pattern[str]:
        return re.compile(
            r"data:([A-Za-z0-9.+-]{1,64}/[A-Za-z0-9.+-]{1,64})?(?:;[A-Za-z0-9=.+-]{1,64}){0,4}"
            rf";base64,{_BASE64_CHARS}{{16,}}"
        )

    @cached_property
    def base64_run(self) -> re.Pattern[str]:
        return re.compile(rf"(?<!{_BASE64_CHARS}){_BASE64_CHARS}{{{BASE64_RUN_MIN},}}")

    @cached_property
    def base64_probe(self) -> re.Pattern[str]:
        return re.compile(rf"{_BASE64_CHARS}{{{_BASE64_WINDOW}}}")


_PATTERNS = _Patterns()


@dataclass(slots=True)
class ContentPolicy:
    mode: CaptureMode = CaptureMode.NO_CONTENT
    max_length: int = DEFAULT_MAX_LENGTH
    max_messages: int = DEFAULT_MAX_MESSAGES
    keep_media: bool = False
    redact: Redact | None = None
    enabled: bool = field(init=False)
    on_span: bool = field(init=False)
    on_event: bool = field(init=False)

    def __post_init__(self) -> None:
        self.enabled = self.mode is not CaptureMode.NO_CONTENT
        self.on_span = self.mode in (CaptureMode.SPAN_ONLY, CaptureMode.SPAN_AND_EVENT)
        self.on_event = self.mode in (CaptureMode.EVENT_ONLY, CaptureMode.SPAN_AND_EVENT)

    @classmethod
    def from_env(cls) -> ContentPolicy:
        mode = CaptureMode.parse(os.environ.get(ENV_CAPTURE))
        redact = None
        if mode is not CaptureMode.NO_CONTENT:
            # imported only when content is captured: its patterns are not free
            from llmlens_semconv.redaction import redactor_from_env

            redact = redactor_from_env()
        return cls(
            mode=mode,
            max_length=max(MIN_MAX_LENGTH, _env_int(ENV_MAX_LENGTH, DEFAULT_MAX_LENGTH)),
            max_messages=_env_int(ENV_MAX_MESSAGES, DEFAULT_MAX_MESSAGES),
            keep_media=_env_flag(ENV_KEEP_MEDIA),
            redact=redact,
        )

    # --- making content safe -------------------------------------------------

    def clean_text(self, text: str) -> str:
        """Media placeholders, then redaction, then the length bound."""
        if not self.keep_media:
            text = strip_media(text)
        cut = 0
        if self.redact is not None:
            # what the bound drops is not worth redacting
            limit = self.max_length + REDACTION_MARGIN
            if len(text) > limit:
                cut = len(text) - limit
                text = text[:limit]
            try:
                text = self.redact(text)
            except Exception as exc:  # noqa: BLE001 - never record what could not be redacted
                warn_once_without_details("redaction", exc)
                return REDACTION_FAILED
        return bound(text, self.max_length, cut)

    def clean(self, value: Any) -> Any:
        """Redact and bound every string inside a JSON-like value; the whole
        value, serialized, fits ``max_length`` too."""
        return self._fit(self._clean(value))

    def clean_messages(self, messages: Sequence[Any]) -> list[Any]:
        """Clean a message list, keeping at most ``max_messages``: the first
        one (often the system or task prompt) and the most recent."""
        items = list(messages)
        if len(items) > self.max_messages:
            dropped = len(items) - self.max_messages
            keep_tail = self.max_messages - 1
            items = [
                items[0],
                {"role": "llmlens", "parts": [
                    {"type": "text", "content": f"[{dropped} messages omitted]"}]},
                *(items[-keep_tail:] if keep_tail else []),
            ]
        return self._fit([self._clean(m) for m in items])

    def describe_error(self, exc: BaseException | None, error_type: str | None) -> str:
        """The span status description of a failed call. An exception's
        message may quote user input (a tool that echoes its arguments), so
        with content off only messages written by the network or an HTTP API
        are kept (``OSError`` and its timeouts, errors with a ``status_code``);
        other exceptions are named by type. With content on, the message is
        recorded, redacted."""
        if exc is None:
            return error_type or "error"
        name = type(exc).__name__
        if self.enabled:
            return self.clean_text(f"{name}: {exc}")
        if isinstance(exc, OSError) or isinstance(getattr(exc, "status_code", None), int):
            return bound(f"{name}: {exc}", self.max_length)
        return name

    def to_attribute(self, value: Any) -> str:
        """Serialize cleaned content to the string the span attribute holds
        (JSON for structured values; a plain string stays as it is)."""
        if isinstance(value, str):
            return bound(value, self.max_length)
        return bound(to_json(value), self.max_length)

    # --- the pieces ----------------------------------------------------------

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.clean_text(value)
        if isinstance(value, Mapping):
            return self._clean_mapping(value)
        if isinstance(value, (list, tuple, set, frozenset)):
            return [self._clean(v) for v in value]
        if isinstance(value, (bytes, bytearray, memoryview)):
            return f"<{len(value)} bytes>"
        if value is None or isinstance(value, (bool, int, float)):
            return value
        plain = _plain(value)
        if plain is not value:
            return self._clean(plain)
        return self.clean_text(str(value))

    def _clean_mapping(self, value: Mapping[Any, Any]) -> Any:
        if value.get("type") == "blob":
            if not self.keep_media:
                return _media_placeholder(value)
            # base64 is not text: bound it, do not scan it
            return {str(k): (bound(v, self.max_length) if k == "content" and isinstance(v, str)
                             else self._clean(v)) for k, v in value.items()}
        out: dict[str, Any] = {}
        for key, item in value.items():
            name = key if isinstance(key, str) else str(key)
            if _is_credential_key(name) and _is_scalar(item):
                out[name] = "<SECRET>" if item is not None else None
                continue
            if name not in _SCHEMA_KEYS:
                name = self.clean_text(name)
            out[name] = self._clean(item)
        return out

    def _fit(self, value: Any) -> Any:
        """Shorten a structured value until its JSON fits ``max_length``."""
        if not isinstance(value, (list, dict)):
            return value
        if len(to_json(value)) <= self.max_length:
            return value
        cap = self.max_length // 2
        while cap >= _MIN_STRING_CAP:
            shrunk = _shrink(value, cap)
            if len(to_json(shrunk)) <= self.max_length:
                return shrunk
            cap //= 2
        shrunk = _shrink(value, _MIN_STRING_CAP)
        if isinstance(shrunk, list):
            return _keep_prefix(shrunk, self.max_length)
        return bound(to_json(shrunk), self.max_length)


def _is_credential_key(name: str) -> bool:
    return len(name) <= 64 and _PATTERNS.credential_key.search(name) is not None


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bytes))


def _plain(value: Any) -> Any:
    """SDK objects (pydantic models and the like) as plain data."""
    for attr in ("model_dump", "to_dict", "dict"):
        method = getattr(value, attr, None)
        if callable(method):
            try:
                return method()
            except Exception:  # noqa: BLE001 - any object may be passed in
                break
    return value


def _shrink(value: Any, cap: int) -> Any:
    if isinstance(value, str):
        return bound(value, cap)
    if isinstance(value, dict):
        return {k: _shrink(v, cap) for k, v in value.items()}
    if isinstance(value, list):
        return [_shrink(v, cap) for v in value]
    return value


def _keep_prefix(items: list[Any], max_length: int) -> list[Any]:
    """As many leading items as fit, then a marker for the rest."""
    kept: list[Any] = []
    size = 2
    for index, item in enumerate(items):
        item_size = len(to_json(item)) + 1
        if size + item_size + 64 > max_length:
            kept.append({"role": "llmlens", "parts": [
                {"type": "text", "content": f"[{len(items) - index} items omitted]"}]})
            break
        kept.append(item)
        size += item_size
    return kept


def _estimated_bytes(base64_length: int) -> int:
    return base64_length * 3 // 4


def _media_placeholder(part: Mapping[str, Any]) -> dict[str, Any]:
    content = part.get("content")
    if isinstance(content, str):
        size = _estimated_bytes(len(content))
    elif isinstance(content, (bytes, bytearray)):
        size = len(content)
    else:
        size = 0
    label = part.get("mime_type") or part.get("modality") or "media"
    placeholder: dict[str, Any] = {
        "type": "blob",
        "modality": part.get("modality", "unknown"),
        "content": f"<{label}: ~{size} bytes omitted>",
    }
    if part.get("mime_type"):
        placeholder["mime_type"] = part["mime_type"]
    return placeholder


def _data_uri_placeholder(match: re.Match[str]) -> str:
    payload = len(match.group(0)) - match.group(0).index(";base64,") - len(";base64,")
    return f"<{match.group(1) or 'media'}: ~{_estimated_bytes(payload)} bytes omitted>"


def _base64_run_placeholder(match: re.Match[str]) -> str:
    run = match.group(0)
    # a long run of one kind of character (a line of "=" or "-") is not media
    if not (any(c.isdigit() for c in run) and any(c.isalpha() for c in run)):
        return run
    return f"<base64: ~{_estimated_bytes(len(run))} bytes omitted>"


def _may_hold_base64_run(text: str) -> bool:
    probe = _PATTERNS.base64_probe.match
    return any(probe(text, start) for start in range(0, len(text), _BASE64_WINDOW))


def strip_media(text: str) -> str:
    """Inline media (``data:`` URIs, long base64 runs) replaced by a
    size placeholder."""
    if "base64," in text:
        text = _PATTERNS.data_uri.sub(_data_uri_placeholder, text)
    if len(text) >= BASE64_RUN_MIN and _may_hold_base64_run(text):
        text = _PATTERNS.base64_run.sub(_base64_run_placeholder, text)
    return text


def bound(text: str, max_length: int, already_dropped: int = 0) -> str:
    """``text`` cut to ``max_length`` characters, the cut marked in the value."""
    if len(text) <= max_length and not already_dropped:
        return text
    # the mark is sized for the most it could report, so the result fits
    longest_mark = len(TRUNCATION_MARK.format(dropped=already_dropped + len(text)))
    keep = min(len(text), max(0, max_length - longest_mark))
    if keep == len(text) and not already_dropped:
        return text
    return text[:keep] + TRUNCATION_MARK.format(dropped=already_dropped + len(text) - keep)


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    plain = _plain(value)
    return plain if plain is not value else str(value)


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)

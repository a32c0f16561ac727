"""The content policy: whether message content is recorded, where, and how
it is made safe (redaction, size bounds, media placeholders) first.

Read once from the environment. It lives here, in the emitter's package, so
it holds under the plain ``opentelemetry-distro`` too; the llmlens distro
only configures it.
"""

from __future__ import annotations

import enum
import json
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

_log = logging.getLogger(__name__)

ENV_CAPTURE = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
ENV_MAX_LENGTH = "LLMLENS_MAX_CONTENT_LENGTH"
ENV_MAX_MESSAGES = "LLMLENS_MAX_MESSAGES"
ENV_KEEP_MEDIA = "LLMLENS_KEEP_MEDIA"

DEFAULT_MAX_LENGTH = 64 * 1024
DEFAULT_MAX_MESSAGES = 100
TRUNCATION_MARK = "…[truncated {dropped} chars]"


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
            _log.warning(
                "%s=%r is not one of %s; recording no content",
                ENV_CAPTURE, raw, ", ".join(m.value for m in cls),
            )
            return cls.NO_CONTENT


Redact = Callable[[str], str]


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
            max_length=_env_int(ENV_MAX_LENGTH, DEFAULT_MAX_LENGTH),
            max_messages=_env_int(ENV_MAX_MESSAGES, DEFAULT_MAX_MESSAGES),
            keep_media=_env_flag(ENV_KEEP_MEDIA),
            redact=redact,
        )

    # --- making content safe -------------------------------------------------

    def clean_text(self, text: str) -> str:
        if self.redact is not None:
            text = self.redact(text)
        return bound(text, self.max_length)

    def clean(self, value: Any) -> Any:
        """Redact and bound every string inside a JSON-like value."""
        if isinstance(value, str):
            return self.clean_text(value)
        if isinstance(value, Mapping):
            if not self.keep_media and value.get("type") == "blob":
                return _media_placeholder(value)
            return {k: self.clean(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.clean(v) for v in value]
        if isinstance(value, (bytes, bytearray)):
            return f"<{len(value)} bytes>"
        if value is None or isinstance(value, (bool, int, float)):
            return value
        return self.clean_text(str(value))

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
        return [self.clean(m) for m in items]

    def to_attribute(self, value: Any) -> str:
        """Serialize cleaned content to the string the span attribute holds
        (JSON for structured values; a plain string stays as it is)."""
        if isinstance(value, str):
            return bound(value, self.max_length)
        return bound(to_json(value), self.max_length)


def _media_placeholder(part: Mapping[str, Any]) -> dict[str, Any]:
    content = part.get("content")
    size = len(content) * 3 // 4 if isinstance(content, str) else 0
    placeholder: dict[str, Any] = {
        "type": "blob",
        "modality": part.get("modality", "unknown"),
        "content": f"<{part.get('mime_type') or part.get('modality', 'media')}: ~{size} bytes omitted>",
    }
    if part.get("mime_type"):
        placeholder["mime_type"] = part["mime_type"]
    return placeholder


def bound(text: str, max_length: int) -> str:
    if len(text) <= max_length:
        return text
    mark = TRUNCATION_MARK.format(dropped=len(text) - max_length)
    return text[: max(0, max_length - len(mark))] + mark


def _json_default(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return f"<{len(value)} bytes>"
    for attr in ("model_dump", "dict", "to_dict"):
        method = getattr(value, attr, None)
        if callable(method):
            try:
                return method()
            except Exception:  # noqa: BLE001 - any object may be passed in
                break
    return str(value)


def to_json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)

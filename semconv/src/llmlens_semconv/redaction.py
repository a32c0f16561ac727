"""PII and secret redaction for recorded content.

Configured from the environment, applied by the content policy to every
string it records (message parts inside the JSON content attributes, tool
arguments and results, retrieval text, event content):

``LLMLENS_REDACT``
    ``on`` (default whenever content is captured) or ``off``.
``LLMLENS_REDACT_PATTERNS``
    Extra rules, ``NAME=REGEX`` pairs separated by ``;;`` (or newlines). A
    match becomes ``<NAME>`` (upper-cased). The name is split at the first
    ``=``, so the regex may contain ``=``; write ``;{2}`` for a literal
    ``;;``. A regex that does not compile, or that could backtrack
    exponentially, is skipped with a warning.
Entry points in the group ``llmlens_redactors``
    Each names a detector: a callable taking the text and returning either
    the redacted text (``str``), or an iterable of ``(start, end, label)``
    spans, each replaced by ``<LABEL>``, or ``None`` for "nothing found". It
    runs after the built-in and user rules, so it sees their placeholders.
    A detector that fails to load is skipped with a warning; one that raises
    while redacting makes that value ``<REDACTION_FAILED>`` (privacy first).
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from llmlens_semconv.content import warn_once_without_details
from llmlens_semconv.redaction_patterns import KIND_CUSTOM, Rule, builtin_rules
from llmlens_semconv.regex_safety import hazards

_log = logging.getLogger(__name__)

ENV_REDACT = "LLMLENS_REDACT"
ENV_REDACT_PATTERNS = "LLMLENS_REDACT_PATTERNS"
ENTRY_POINT_GROUP = "llmlens_redactors"
PATTERN_SEPARATOR = ";;"
REDACTION_FAILED = "<REDACTION_FAILED>"

_OFF_VALUES = frozenset({"off", "false", "0", "no", "none", "disabled"})
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")

Span = tuple[int, int, str]
Detector = Callable[[str], "str | Iterable[Span] | None"]


class Redactor:
    """Applies rules (regex + placeholder) then detectors to a text.

    Callable: ``redactor(text) -> text``. Stateless after construction, so
    one instance serves every thread.
    """

    __slots__ = ("detectors", "rules")

    def __init__(self, rules: Sequence[Rule], detectors: Sequence[tuple[str, Detector]] = ()):
        self.rules = tuple(rules)
        self.detectors = tuple(detectors)

    def __call__(self, text: str) -> str:
        present: dict[str, bool] = {}
        lowered: str | None = None
        for rule in self.rules:
            if rule.needs_chars:
                for char in rule.needs_chars:
                    found = present.get(char)
                    if found is None:
                        found = present[char] = char in text
                    if found:
                        break
                else:
                    continue
            if rule.hints and not any(hint in text for hint in rule.hints):
                continue
            if rule.hints_ci:
                if lowered is None:
                    lowered = text.lower()
                if not any(hint in lowered for hint in rule.hints_ci):
                    continue
            replaced = rule.apply(text)
            if replaced != text:
                text = replaced
                lowered = None
        for name, detector in self.detectors:
            try:
                text = apply_detector_result(text, detector(text))
            except Exception as exc:  # noqa: BLE001 - a plug-in's failure must not leak content
                warn_once_without_details(f"redaction detector {name}", exc)
                return REDACTION_FAILED
        return text


def apply_detector_result(text: str, result: str | Iterable[Span] | None) -> str:
    """Apply what a detector returned: new text, spans to replace, or None."""
    if result is None:
        return text
    if isinstance(result, str):
        return result
    pieces: list[str] = []
    position = 0
    for start, end, label in sorted((int(s), int(e), str(lb)) for s, e, lb in result):
        start = max(start, position)  # overlapping spans merge into the earlier one
        end = min(end, len(text))
        if end <= start:
            continue
        pieces.append(text[position:start])
        pieces.append(_placeholder(label))
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def _placeholder(label: str) -> str:
    if label.startswith("<") and label.endswith(">"):
        return label
    return f"<{label.strip().upper().replace(' ', '_')}>"


# --- configuration from the environment ----------------------------------------------


def redaction_enabled(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return env.get(ENV_REDACT, "on").strip().lower() not in _OFF_VALUES


def redactor_from_env(environ: Mapping[str, str] | None = None) -> Redactor | None:
    """The redactor the environment asks for, or None when ``LLMLENS_REDACT=off``."""
    env = os.environ if environ is None else environ
    if not redaction_enabled(env):
        return None
    rules = [*builtin_rules(), *parse_user_patterns(env.get(ENV_REDACT_PATTERNS, ""))]
    return Redactor(rules, load_detectors())


def parse_user_patterns(raw: str) -> list[Rule]:
    """Rules from ``NAME=REGEX;;NAME=REGEX`` (newlines separate too)."""
    rules: list[Rule] = []
    for entry in raw.replace("\n", PATTERN_SEPARATOR).split(PATTERN_SEPARATOR):
        entry = entry.strip()
        if not entry:
            continue
        name, sep, pattern = entry.partition("=")
        name = name.strip()
        if not sep or not _NAME.fullmatch(name) or not pattern:
            _log.warning("%s: %r is not NAME=REGEX; skipped", ENV_REDACT_PATTERNS, entry)
            continue
        try:
            regex = re.compile(pattern)
        except re.error as exc:
            _log.warning("%s: pattern %s does not compile (%s); skipped",
                          ENV_REDACT_PATTERNS, name, exc)
            continue
        found = hazards(pattern)
        if any(severity == "exponential" for severity, _ in found):
            _log.warning("%s: pattern %s can backtrack exponentially (%s); skipped",
                         ENV_REDACT_PATTERNS, name, "; ".join(m for _, m in found))
            continue
        if found:
            _log.warning("%s: pattern %s has an unbounded quantifier and may be slow on "
                         "long input; prefer {m,n}", ENV_REDACT_PATTERNS, name)
        placeholder = f"<{name.upper()}>"
        rules.append(Rule(name=name.lower(), placeholder=placeholder, regex=regex,
                          replacement=placeholder, kind=KIND_CUSTOM))
    return rules


def _entry_points(group: str) -> Iterable[Any]:
    from importlib.metadata import entry_points

    return entry_points(group=group)


def load_detectors() -> list[tuple[str, Detector]]:
    """Detectors registered under the ``llmlens_redactors`` entry-point group."""
    detectors: list[tuple[str, Detector]] = []
    try:
        found = list(_entry_points(ENTRY_POINT_GROUP))
    except Exception:  # noqa: BLE001 - a broken environment must not break start-up
        _log.warning("could not list %s entry points", ENTRY_POINT_GROUP, exc_info=True)
        return detectors
    for entry_point in sorted(found, key=lambda ep: ep.name):
        try:
            detector = entry_point.load()
        except Exception:  # noqa: BLE001 - a broken plug-in is skipped, not fatal
            _log.warning("redactor %s failed to load; skipped", entry_point.name, exc_info=True)
            continue
        if not callable(detector):
            _log.warning("redactor %s is not callable; skipped", entry_point.name)
            continue
        detectors.append((entry_point.name, detector))
    return detectors

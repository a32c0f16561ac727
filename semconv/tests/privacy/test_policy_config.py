"""The content policy and redaction as the environment configures them."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

import pytest

from llmlens_semconv import content, redaction
from llmlens_semconv.content import CaptureMode, ContentPolicy
from llmlens_semconv.redaction import (
    REDACTION_FAILED,
    Redactor,
    apply_detector_result,
    parse_user_patterns,
    redactor_from_env,
)

CAPTURE = content.ENV_CAPTURE


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (CAPTURE, "LLMLENS_REDACT", "LLMLENS_REDACT_PATTERNS", "LLMLENS_KEEP_MEDIA",
                 "LLMLENS_MAX_CONTENT_LENGTH", "LLMLENS_MAX_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(redaction, "_entry_points", lambda group: [])
    content._warned_values.clear()


# --- capture mode -------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "mode"), [
    (None, CaptureMode.NO_CONTENT),
    ("", CaptureMode.NO_CONTENT),
    ("NO_CONTENT", CaptureMode.NO_CONTENT),
    ("span_only", CaptureMode.SPAN_ONLY),
    ("Event_Only", CaptureMode.EVENT_ONLY),
    (" SPAN_AND_EVENT ", CaptureMode.SPAN_AND_EVENT),
    ("true", CaptureMode.SPAN_ONLY),
    ("False", CaptureMode.NO_CONTENT),
])
def test_capture_mode_parsing(raw: str | None, mode: CaptureMode) -> None:
    assert CaptureMode.parse(raw) is mode


def test_invalid_capture_mode_warns_once_and_records_nothing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv(CAPTURE, "everything")
    with caplog.at_level(logging.WARNING, logger="llmlens_semconv.content"):
        policies = [ContentPolicy.from_env() for _ in range(3)]
    assert all(p.mode is CaptureMode.NO_CONTENT and not p.enabled for p in policies)
    warnings = [r for r in caplog.records if "everything" in r.getMessage()]
    assert len(warnings) == 1


def test_mode_flags() -> None:
    assert not ContentPolicy(CaptureMode.NO_CONTENT).enabled
    span_only = ContentPolicy(CaptureMode.SPAN_ONLY)
    assert (span_only.on_span, span_only.on_event) == (True, False)
    event_only = ContentPolicy(CaptureMode.EVENT_ONLY)
    assert (event_only.on_span, event_only.on_event) == (False, True)
    both = ContentPolicy(CaptureMode.SPAN_AND_EVENT)
    assert (both.on_span, both.on_event) == (True, True)


def test_redaction_is_not_imported_while_content_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("llmlens_semconv.redaction", "llmlens_semconv.redaction_patterns"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    policy = ContentPolicy.from_env()
    assert policy.redact is None
    assert "llmlens_semconv.redaction" not in sys.modules
    assert "llmlens_semconv.redaction_patterns" not in sys.modules


@pytest.mark.parametrize("mode", ["SPAN_ONLY", "EVENT_ONLY", "SPAN_AND_EVENT"])
def test_redaction_is_on_for_every_capture_mode(
    monkeypatch: pytest.MonkeyPatch, mode: str,
) -> None:
    monkeypatch.setenv(CAPTURE, mode)
    policy = ContentPolicy.from_env()
    assert policy.clean_text("mail bob@example.com") == "mail <EMAIL>"


@pytest.mark.parametrize("value", ["off", "OFF", "false", "0"])
def test_redaction_can_be_switched_off(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(CAPTURE, "SPAN_ONLY")
    monkeypatch.setenv("LLMLENS_REDACT", value)
    policy = ContentPolicy.from_env()
    assert policy.redact is None
    assert policy.clean_text("mail bob@example.com") == "mail bob@example.com"
    # a field named as a credential is masked even then
    assert policy.clean({"api_key": "abc"}) == {"api_key": "<SECRET>"}


def test_bounds_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMLENS_MAX_CONTENT_LENGTH", "1000")
    monkeypatch.setenv("LLMLENS_MAX_MESSAGES", "5")
    monkeypatch.setenv("LLMLENS_KEEP_MEDIA", "true")
    policy = ContentPolicy.from_env()
    assert (policy.max_length, policy.max_messages, policy.keep_media) == (1000, 5, True)


def test_length_bound_has_a_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMLENS_MAX_CONTENT_LENGTH", "10")
    assert ContentPolicy.from_env().max_length == content.MIN_MAX_LENGTH


def test_default_length_bound_is_at_most_256_kb() -> None:
    assert ContentPolicy.from_env().max_length <= 256 * 1024


def test_bad_bound_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("LLMLENS_MAX_CONTENT_LENGTH", "lots")
    assert ContentPolicy.from_env().max_length == content.DEFAULT_MAX_LENGTH
    assert "LLMLENS_MAX_CONTENT_LENGTH" in caplog.text


# --- user patterns --------------------------------------------------------------------

def test_user_patterns_become_typed_placeholders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LLMLENS_REDACT_PATTERNS",
                       r"employee_id=EMP-\d{6};;TICKET=(?:JIRA|OPS)-[0-9]{1,6}")
    redact = redactor_from_env()
    assert redact is not None
    assert redact("EMP-123456 filed OPS-42") == "<EMPLOYEE_ID> filed <TICKET>"


def test_user_patterns_split_at_the_first_equals_and_on_newlines() -> None:
    rules = parse_user_patterns("KV=key=[a-z]{3}\nCODE=X[0-9]{2}")
    assert [r.placeholder for r in rules] == ["<KV>", "<CODE>"]
    assert Redactor(rules)("key=abc X12") == "<KV> <CODE>"


def test_bad_user_patterns_are_skipped_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="llmlens_semconv.redaction"):
        rules = parse_user_patterns(r"BROKEN=([a-z;;NOEQUALS;;1BAD=x;;EVIL=(a+)+b;;GOOD=ok\d")
    assert [r.placeholder for r in rules] == ["<GOOD>"]
    text = caplog.text
    assert "BROKEN" in text and "does not compile" in text
    assert "NOEQUALS" in text and "1BAD" in text
    assert "EVIL" in text and "exponentially" in text


def test_unbounded_user_pattern_is_kept_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="llmlens_semconv.redaction"):
        rules = parse_user_patterns(r"ACCT=[A-Z]+-acct")
    assert [r.placeholder for r in rules] == ["<ACCT>"]
    assert "unbounded" in caplog.text


# --- detectors plugged in by entry point ------------------------------------------------

class FakeEntryPoint:
    def __init__(self, name: str, target: Any) -> None:
        self.name = name
        self.target = target

    def load(self) -> Any:
        if isinstance(self.target, Exception):
            raise self.target
        return self.target


def with_entry_points(monkeypatch: pytest.MonkeyPatch, *points: FakeEntryPoint) -> None:
    def lookup(group: str) -> Iterable[FakeEntryPoint]:
        assert group == "llmlens_redactors"
        return list(points)

    monkeypatch.setattr(redaction, "_entry_points", lookup)


def test_detector_returning_text(monkeypatch: pytest.MonkeyPatch) -> None:
    with_entry_points(
        monkeypatch, FakeEntryPoint("names", lambda t: t.replace("Alice", "<PERSON>")))
    redact = redactor_from_env()
    assert redact is not None
    assert redact("Alice wrote to bob@example.com") == "<PERSON> wrote to <EMAIL>"


def test_detector_returning_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    def find_people(text: str) -> list[tuple[int, int, str]]:
        return [(text.index(name), text.index(name) + len(name), "person")
                for name in ("Alice", "Bob") if name in text]

    with_entry_points(monkeypatch, FakeEntryPoint("people", find_people))
    redact = redactor_from_env()
    assert redact is not None
    assert redact("Alice met Bob") == "<PERSON> met <PERSON>"


def test_detector_sees_builtin_placeholders_and_none_means_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[str] = []

    def spy(text: str) -> None:
        seen.append(text)

    with_entry_points(monkeypatch, FakeEntryPoint("spy", spy))
    redact = redactor_from_env()
    assert redact is not None
    assert redact("mail bob@example.com") == "mail <EMAIL>"
    assert seen == ["mail <EMAIL>"]


def test_detector_spans_out_of_order_overlapping_or_out_of_range() -> None:
    text = "0123456789"
    assert apply_detector_result(text, [(6, 8, "B"), (1, 3, "A"), (2, 5, "C"), (9, 99, "D")]) == (
        "0<A><C>5<B>8<D>")
    assert apply_detector_result(text, []) == text
    assert apply_detector_result(text, [(3, 3, "EMPTY")]) == text


def test_detector_that_fails_to_load_is_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    with_entry_points(monkeypatch,
                      FakeEntryPoint("broken", ImportError("no such module")),
                      FakeEntryPoint("not_callable", 42),
                      FakeEntryPoint("fine", lambda t: t.upper()))
    redact = redactor_from_env()
    assert redact is not None
    assert redact("abc") == "ABC"
    assert "broken" in caplog.text and "not_callable" in caplog.text


def test_detector_that_raises_withholds_the_value_and_logs_no_content(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    def explode(text: str) -> str:
        raise RuntimeError(f"cannot parse {text!r}")  # the message quotes the content

    with_entry_points(monkeypatch, FakeEntryPoint("explode", explode))
    monkeypatch.setenv(CAPTURE, "SPAN_ONLY")
    monkeypatch.setattr(content, "_warned_sites", set())
    policy = ContentPolicy.from_env()
    with caplog.at_level(logging.WARNING):
        assert policy.clean_text("Alice's secret") == REDACTION_FAILED
        assert policy.clean_text("Bob's secret") == REDACTION_FAILED
    assert "Alice" not in caplog.text and "Bob" not in caplog.text
    warnings = [r for r in caplog.records if "explode" in r.getMessage()]
    assert len(warnings) == 1 and "RuntimeError" in warnings[0].getMessage()
    assert all(r.exc_info is None for r in warnings)

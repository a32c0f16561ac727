"""Size bounds: per-value length, JSON that stays valid, a message cap and
media placeholders, so one huge prompt never blows up a span or an export."""

from __future__ import annotations

import base64
import json

from llmlens_semconv import parts
from llmlens_semconv.content import CaptureMode, ContentPolicy, bound, strip_media
from llmlens_semconv.redaction import redactor_from_env

PNG_B64 = base64.b64encode(bytes(range(256)) * 40).decode()  # ~13.6 KB of base64


def policy(**kwargs: object) -> ContentPolicy:
    kwargs.setdefault("redact", redactor_from_env({}))
    return ContentPolicy(CaptureMode.SPAN_AND_EVENT, **kwargs)  # type: ignore[arg-type]


def test_bound_marks_the_cut_and_never_exceeds_the_limit() -> None:
    for limit in (40, 100, 1000):
        out = bound("y" * 5000, limit)
        assert len(out) <= limit
        assert out.endswith("chars]") and "truncated" in out
    assert bound("short", 100) == "short"


def test_truncation_mark_counts_what_was_dropped() -> None:
    out = policy(max_length=100).clean_text("z" * 10_000)
    kept = out.index("…")
    assert out == "z" * kept + f"…[truncated {10_000 - kept} chars]"


def test_secret_straddling_the_cut_is_still_redacted() -> None:
    key = "sk-" + "Q" * 48
    text = "a" * 990 + key + "b" * 100_000
    out = policy(max_length=1000).clean_text(text)
    assert "QQQQ" not in out and len(out) <= 1000


def test_long_messages_become_valid_json_within_the_bound() -> None:
    p = policy(max_length=2000)
    messages = [parts.message("user", [parts.text("w" * 5000)]) for _ in range(3)]
    cleaned = p.clean_messages(messages)
    value = p.to_attribute(cleaned)
    assert len(value) <= 2000
    decoded = json.loads(value)  # still JSON, not a cut string
    assert [m["role"] for m in decoded] == ["user"] * 3
    assert all("truncated" in m["parts"][0]["content"] for m in decoded)


def test_many_parts_that_cannot_shrink_enough_keep_a_prefix() -> None:
    p = policy(max_length=1000)
    messages = [parts.message("user", [parts.text(f"m{i}")]) for i in range(60)]
    value = p.to_attribute(p.clean_messages(messages))
    decoded = json.loads(value)
    assert len(value) <= 1000
    assert decoded[0]["parts"][0]["content"] == "m0"
    assert "omitted" in decoded[-1]["parts"][0]["content"]


def test_structured_event_values_are_bounded_too() -> None:
    p = policy(max_length=1500)
    cleaned = p.clean({"q": "v" * 10_000, "k": ["x" * 3000] * 3})
    assert len(json.dumps(cleaned, separators=(",", ":"))) <= 1500


def test_message_cap_keeps_the_first_and_the_latest() -> None:
    p = policy(max_messages=4)
    messages = [parts.message("user", [parts.text(f"turn {i}")]) for i in range(10)]
    cleaned = p.clean_messages(messages)
    texts = [m["parts"][0]["content"] for m in cleaned]
    assert texts == ["turn 0", "[6 messages omitted]", "turn 7", "turn 8", "turn 9"]


def test_blob_parts_become_a_size_and_mime_placeholder() -> None:
    cleaned = policy().clean([parts.blob(PNG_B64, "image", "image/png")])
    assert cleaned == [{"type": "blob", "modality": "image", "mime_type": "image/png",
                        "content": f"<image/png: ~{len(PNG_B64) * 3 // 4} bytes omitted>"}]


def test_audio_blob_without_mime_is_named_by_modality() -> None:
    (cleaned,) = policy().clean([parts.blob(PNG_B64, "audio")])
    assert cleaned["content"].startswith("<audio: ~")


def test_data_uri_in_a_uri_part_and_in_text_is_replaced() -> None:
    uri = "data:image/jpeg;base64," + PNG_B64
    cleaned = policy().clean([parts.uri(uri, "image"), parts.text(f"see {uri} above")])
    assert cleaned[0]["uri"] == f"<image/jpeg: ~{len(PNG_B64) * 3 // 4} bytes omitted>"
    assert cleaned[1]["content"] == (
        f"see <image/jpeg: ~{len(PNG_B64) * 3 // 4} bytes omitted> above")


def test_long_base64_run_in_text_is_replaced_but_prose_is_not() -> None:
    prose = "word " * 500
    assert strip_media(prose) == prose
    assert strip_media("=" * 2000) == "=" * 2000
    assert strip_media(f"payload {PNG_B64} end") == (
        f"payload <base64: ~{len(PNG_B64) * 3 // 4} bytes omitted> end")


def test_keep_media_keeps_media_within_the_bound() -> None:
    p = policy(keep_media=True)
    uri = "data:image/png;base64," + PNG_B64
    cleaned = p.clean([parts.blob(PNG_B64, "image", "image/png"), parts.uri(uri, "image")])
    assert cleaned[0]["content"] == PNG_B64
    assert cleaned[1]["uri"] == uri
    small = policy(keep_media=True, max_length=1000).clean([parts.blob(PNG_B64, "image")])
    assert len(json.dumps(small)) <= 1000


def test_bytes_are_described_not_recorded() -> None:
    assert policy().clean({"data": b"\x00" * 1234}) == {"data": "<1234 bytes>"}


def test_credential_named_fields_are_masked_in_structured_values() -> None:
    cleaned = policy().clean({"city": "Paris", "api_key": "abc", "Authorization": "Token x",
                              "nested": {"client_secret": "s", "password": 1234}})
    assert cleaned == {"city": "Paris", "api_key": "<SECRET>", "Authorization": "<SECRET>",
                       "nested": {"client_secret": "<SECRET>", "password": "<SECRET>"}}


def test_keys_that_are_not_schema_keys_are_redacted_too() -> None:
    cleaned = policy().clean({"bob@example.com": "friend"})
    assert cleaned == {"<EMAIL>": "friend"}


def test_objects_with_model_dump_are_cleaned_as_data() -> None:
    class Model:
        def model_dump(self) -> dict[str, str]:
            return {"note": "call +1 415 555 0134"}

    assert policy().clean(Model()) == {"note": "call <PHONE>"}

"""Content capture follows OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT:
nothing by default, on the span, in the details event, or both."""

from __future__ import annotations

import json

import expect
import mock_api as m
import pytest

from llmlens_anthropic import AnthropicInstrumentor
from llmlens_semconv import names as n
from llmlens_semconv.testing import iter_all_text

SECRET_PROMPT = "my account number is 4242-PRIVATE"
SECRET_ANSWER = "Hello there!"
SECRET_SYSTEM = "You are the secret agent bot."
CONTENT_KEYS = (n.GEN_AI_INPUT_MESSAGES, n.GEN_AI_OUTPUT_MESSAGES, n.GEN_AI_SYSTEM_INSTRUCTIONS)


def _run(api, stream: bool) -> None:
    kwargs = m.chat_kwargs(system=SECRET_SYSTEM,
                           messages=[{"role": "user", "content": SECRET_PROMPT}])
    client = api.client()
    if stream:
        api.sse(m.text_events(("Hello", " there!")))
        with client.messages.stream(**kwargs) as s:
            s.until_done()
    else:
        api.json(m.message())
        client.messages.create(**kwargs)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("mode", [None, "NO_CONTENT", "SPAN_ONLY", "EVENT_ONLY",
                                  "SPAN_AND_EVENT", "true"])
def test_capture_modes(telemetry, api, monkeypatch, mode, stream):
    if mode is None:
        monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    else:
        monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", mode)
    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(**telemetry.providers())  # the policy comes from the environment
    try:
        _run(api, stream)
    finally:
        instrumentor.uninstrument()
    span = expect.only_span(telemetry)
    on_span = mode in ("SPAN_ONLY", "SPAN_AND_EVENT", "true")
    on_event = mode in ("EVENT_ONLY", "SPAN_AND_EVENT")
    events = [r for r in telemetry.logs() if r.event_name == n.EVENT_INFERENCE_DETAILS]
    assert len(events) == (1 if on_event else 0)

    if on_span:
        assert json.loads(span.attributes[n.GEN_AI_INPUT_MESSAGES]) == [
            {"role": "user", "parts": [{"type": "text", "content": SECRET_PROMPT}]}]
        assert json.loads(span.attributes[n.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
            {"type": "text", "content": SECRET_SYSTEM}]
        assert json.loads(span.attributes[n.GEN_AI_OUTPUT_MESSAGES]) == [
            {"role": "assistant", "finish_reason": "stop",
             "parts": [{"type": "text", "content": SECRET_ANSWER}]}]
    else:
        assert not [k for k in CONTENT_KEYS if k in span.attributes]
    if on_event:
        attrs = events[0].attributes
        # structured on the event, not JSON strings
        assert attrs[n.GEN_AI_INPUT_MESSAGES][0]["parts"][0]["content"] == SECRET_PROMPT
        assert attrs[n.GEN_AI_OUTPUT_MESSAGES][0]["parts"][0]["content"] == SECRET_ANSWER
        assert attrs[n.GEN_AI_RESPONSE_ID] == m.MESSAGE_ID
    if not on_span and not on_event:
        leaked = [t for t in iter_all_text(telemetry)
                  if SECRET_PROMPT in t or SECRET_SYSTEM in t or SECRET_ANSWER in t]
        assert leaked == []


def test_no_content_builds_no_messages(instrumented, api, monkeypatch):
    """With content off the adapter never walks the messages (the hot path)."""
    from llmlens_anthropic import content

    def forbidden(*args, **kwargs):
        raise AssertionError("content built while capture is off")

    for name in ("input_messages", "system_instructions", "content_parts", "block_part"):
        monkeypatch.setattr(content, name, forbidden)
    api.sse(m.tool_events())
    list(api.client().messages.create(**m.chat_kwargs(stream=True, system="s")))
    api.json(m.message())
    api.client().messages.create(**m.chat_kwargs(system="s"))
    spans = instrumented.spans()
    assert len(spans) == 2
    assert all(s.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] for s in spans)


def test_api_key_never_recorded(captured, api):
    api.json(m.message())
    api.client(api_key="sk-ant-api03-VERYSECRET").messages.create(**m.chat_kwargs())
    assert not [t for t in iter_all_text(captured) if "VERYSECRET" in t]


def test_one_shot_iterables_are_left_to_the_sdk(captured, api):
    """Generators for messages, content, system and tools reach the API whole."""
    api.json(m.message())
    messages = ({"role": "user", "content": (b for b in [{"type": "text", "text": "Hi"}])}
                for _ in range(1))
    tools = (t for t in [{"name": "get_weather", "input_schema": {"type": "object"}}])
    system = (b for b in [{"type": "text", "text": "Be brief."}])
    api.client().messages.create(**m.chat_kwargs(messages=messages, tools=tools, system=system))
    body = api.last_json()
    assert body["messages"] == [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}]
    assert body["tools"][0]["name"] == "get_weather"
    assert body["system"] == [{"type": "text", "text": "Be brief."}]
    span = expect.only_span(captured)
    assert n.GEN_AI_INPUT_MESSAGES not in span.attributes
    expect.usage(span, 12, 6)

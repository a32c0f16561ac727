"""Opt-in content: recorded only as OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT
asks (NO_CONTENT by default), in the conventions' message-part JSON, on the
span and/or the ``gen_ai.client.inference.operation.details`` event."""

from __future__ import annotations

import json

import pytest
from mock_api import MockAPI, chat_chunks, chat_completion, responses_body, tool_call

from llmlens_semconv import names as n
from llmlens_semconv.testing import iter_all_text

SECRET_PROMPT = "my-secret-prompt-4242"
SECRET_SYSTEM = "secret-system-rules-77"
SECRET_ANSWER = "Hello there!"
PNG = (
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

CHAT_MESSAGES = [
    {"role": "system", "content": SECRET_SYSTEM},
    {"role": "user", "content": [
        {"type": "text", "text": SECRET_PROMPT},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
    ]},
    {"role": "assistant", "content": None, "tool_calls": [tool_call()]},
    {"role": "tool", "tool_call_id": "call_abc123", "content": "18C and sunny"},
]
TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]


def _chat(client):
    return client.chat.completions.create(model="gpt-4o", messages=CHAT_MESSAGES, tools=TOOLS)


def _details_events(otel):
    return [r for r in otel.logs()
            if getattr(r, "event_name", None) == n.EVENT_INFERENCE_DETAILS]


@pytest.mark.parametrize("value", [None, "NO_CONTENT", "false", "bogus"])
def test_no_content_unless_asked(telemetry, instrument, value):
    instrument(content=value)
    api = MockAPI(is_async=False).json(chat_completion(SECRET_ANSWER)).sse(chat_chunks())
    api.json(responses_body("resp-secret-out"))
    client = api.client()
    _chat(client)
    list(client.chat.completions.create(model="gpt-4o", messages=CHAT_MESSAGES, stream=True))
    client.responses.create(model="gpt-4.1", input=SECRET_PROMPT, instructions=SECRET_SYSTEM)

    assert len(telemetry.spans()) == 3
    text = "\n".join(iter_all_text(telemetry))
    for secret in (SECRET_PROMPT, SECRET_SYSTEM, SECRET_ANSWER, "Hello!", "resp-secret-out",
                   "18C and sunny", "Paris", PNG[:20], "Weather for a city"):
        assert secret not in text
    assert telemetry.logs() == []
    for span in telemetry.spans():
        assert n.GEN_AI_INPUT_MESSAGES not in span.attributes
        assert n.GEN_AI_OUTPUT_MESSAGES not in span.attributes


def test_span_only_chat(telemetry, instrument):
    instrument(content="SPAN_ONLY")
    body = chat_completion(None, finish_reason="tool_calls",
                           tool_calls=[tool_call("get_weather", '{"city":"Oslo"}', "call_2")])
    _chat(MockAPI(is_async=False).json(body).client())

    a = telemetry.span().attributes
    assert json.loads(a[n.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
        {"type": "text", "content": SECRET_SYSTEM}]
    inputs = json.loads(a[n.GEN_AI_INPUT_MESSAGES])
    assert [m["role"] for m in inputs] == ["user", "assistant", "tool"]
    user_parts = inputs[0]["parts"]
    assert user_parts[0] == {"type": "text", "content": SECRET_PROMPT}
    assert user_parts[1] == {"type": "uri", "modality": "image",
                             "uri": "https://example.com/cat.png"}
    assert user_parts[2]["type"] == "blob"
    assert user_parts[2]["mime_type"] == "image/png"
    assert PNG not in a[n.GEN_AI_INPUT_MESSAGES]  # media is replaced by a placeholder
    assert inputs[1]["parts"] == [{"type": "tool_call", "name": "get_weather",
                                   "id": "call_abc123", "arguments": {"city": "Paris"}}]
    assert inputs[2]["parts"] == [{"type": "tool_call_response", "id": "call_abc123",
                                   "response": "18C and sunny"}]
    outputs = json.loads(a[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs == [{"role": "assistant", "finish_reason": "tool_calls", "parts": [
        {"type": "tool_call", "name": "get_weather", "id": "call_2",
         "arguments": {"city": "Oslo"}}]}]
    tools = json.loads(a[n.GEN_AI_TOOL_DEFINITIONS])
    assert tools[0]["description"] == "Weather for a city"
    assert _details_events(telemetry) == []


def test_event_only(telemetry, instrument):
    instrument(content="EVENT_ONLY")
    _chat(MockAPI(is_async=False).json(chat_completion(SECRET_ANSWER)).client())

    span = telemetry.span()
    assert n.GEN_AI_INPUT_MESSAGES not in span.attributes
    assert n.GEN_AI_OUTPUT_MESSAGES not in span.attributes
    [event] = _details_events(telemetry)
    attrs = event.attributes
    assert attrs[n.GEN_AI_OPERATION_NAME] == n.OP_CHAT
    assert attrs[n.GEN_AI_RESPONSE_ID] == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
    outputs = attrs[n.GEN_AI_OUTPUT_MESSAGES]
    assert outputs[0]["parts"][0] == {"type": "text", "content": SECRET_ANSWER}
    assert event.span_id == span.context.span_id


def test_span_and_event(telemetry, instrument):
    instrument(content="span_and_event")
    _chat(MockAPI(is_async=False).json(chat_completion(SECRET_ANSWER)).client())
    assert SECRET_ANSWER in telemetry.span().attributes[n.GEN_AI_OUTPUT_MESSAGES]
    assert len(_details_events(telemetry)) == 1


async def test_streamed_content_is_assembled(telemetry, instrument, is_async):
    instrument(content="SPAN_ONLY")
    api = MockAPI(is_async=is_async).sse(
        chat_chunks(tool_call_args=('{"ci', 'ty": "Paris"}'), finish_reason="tool_calls"))
    client = api.client()
    kwargs = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}],
              "stream": True}
    if is_async:
        [c async for c in await client.chat.completions.create(**kwargs)]
    else:
        list(client.chat.completions.create(**kwargs))

    outputs = json.loads(telemetry.span().attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs == [{"role": "assistant", "finish_reason": "tool_calls", "parts": [
        {"type": "text", "content": "Hello!"},
        {"type": "tool_call", "name": "get_weather", "id": "call_abc123",
         "arguments": {"city": "Paris"}}]}]


def test_responses_content(telemetry, instrument):
    instrument(content="SPAN_ONLY")
    client = MockAPI(is_async=False).json(
        responses_body("Done.", function_call=True)).client()
    client.responses.create(
        model="gpt-4.1", instructions="Be terse.",
        input=[
            {"role": "developer", "content": "Use metric units."},
            {"role": "user", "content": [
                {"type": "input_text", "text": "Weather in Oslo?"},
                {"type": "input_image", "image_url": "https://example.com/oslo.jpg",
                 "detail": "auto"}]},
            {"type": "function_call", "call_id": "call_1", "name": "get_weather",
             "arguments": '{"city":"Oslo"}'},
            {"type": "function_call_output", "call_id": "call_1", "output": "4C"},
        ],
        tools=[{"type": "function", "name": "get_weather", "parameters": {}},
               {"type": "web_search"}],
    )
    a = telemetry.span().attributes
    assert json.loads(a[n.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
        {"type": "text", "content": "Be terse."}, {"type": "text", "content": "Use metric units."}]
    inputs = json.loads(a[n.GEN_AI_INPUT_MESSAGES])
    assert inputs[0]["parts"][1] == {"type": "uri", "modality": "image",
                                     "uri": "https://example.com/oslo.jpg"}
    assert inputs[1]["parts"][0]["type"] == "tool_call"
    assert inputs[2] == {"role": "tool", "parts": [
        {"type": "tool_call_response", "id": "call_1", "response": "4C"}]}
    outputs = json.loads(a[n.GEN_AI_OUTPUT_MESSAGES])
    kinds = [p["type"] for p in outputs[0]["parts"]]
    assert kinds == ["reasoning", "text", "tool_call"]
    assert outputs[0]["finish_reason"] == "completed"
    tools = json.loads(a[n.GEN_AI_TOOL_DEFINITIONS])
    assert [(t["type"], t["name"]) for t in tools] == [
        ("function", "get_weather"), ("web_search", "web_search")]


def test_refusal_is_recorded(telemetry, instrument):
    instrument(content="SPAN_ONLY")
    client = MockAPI(is_async=False).json(
        chat_completion(None, refusal="I can't help with that.")).client()
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    outputs = json.loads(telemetry.span().attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs[0]["parts"] == [{"type": "refusal", "content": "I can't help with that."}]

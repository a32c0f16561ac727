"""What a Messages call records: request parameters, usage with prompt
caching, finish reasons, tools, thinking, media, the platform clients, and
the calls that are not inference (count_tokens, batches)."""

from __future__ import annotations

import inspect
import json

import anthropic
import expect
import mock_api as m
import pytest
from opentelemetry.trace import SpanKind

from llmlens_semconv import names as n

needs_parse = pytest.mark.skipif(
    not hasattr(anthropic.resources.messages.Messages, "parse"),
    reason="messages.parse is not in this SDK version")
needs_count_tokens = pytest.mark.skipif(
    not hasattr(anthropic.resources.messages.Messages, "count_tokens"),
    reason="messages.count_tokens is not in this SDK version")
needs_batches = pytest.mark.skipif(
    not hasattr(anthropic.resources.messages.Messages, "batches"),
    reason="messages.batches is not in this SDK version")


SAMPLING_KEYWORDS = (
    "top_k" in inspect.signature(anthropic.resources.messages.Messages.create).parameters)


def _json(value: str) -> object:
    return json.loads(value)


def test_request_parameters_are_set_at_start(instrumented, api):
    api.json(m.error_body("invalid_request_error", "bad"), status=400)
    client = api.client()
    sampling = {"temperature": 0.3, "top_p": 0.9, "top_k": 40}
    if SAMPLING_KEYWORDS:
        kwargs = m.chat_kwargs(**sampling)
    else:  # newer SDKs take sampling parameters only through extra_body
        kwargs = m.chat_kwargs(extra_body=sampling)
    with pytest.raises(anthropic.BadRequestError):
        client.messages.create(**kwargs, stop_sequences=["\n\nHuman:"])
    assert {k: api.last_json()[k] for k in sampling} == sampling
    span = expect.only_span(instrumented)
    attrs = span.attributes
    assert attrs[n.GEN_AI_REQUEST_TEMPERATURE] == 0.3
    assert attrs[n.GEN_AI_REQUEST_TOP_P] == 0.9
    assert attrs[n.GEN_AI_REQUEST_TOP_K] == 40
    assert attrs[n.GEN_AI_REQUEST_STOP_SEQUENCES] == ("\n\nHuman:",)
    assert attrs[n.SERVER_ADDRESS] == "api.anthropic.com"
    assert attrs[n.SERVER_PORT] == 443
    expect.failed(span, "invalid_request_error")
    assert n.GEN_AI_REQUEST_STREAM not in attrs


def test_prompt_caching_usage(instrumented, api):
    api.json(m.message(usage_=m.usage(input_tokens=20, output_tokens=7, cache_read=1800,
                                      cache_write=300)))
    api.client().messages.create(**m.chat_kwargs())
    span = expect.only_span(instrumented)
    # billed input = uncached + cache read + cache write
    expect.usage(span, 2120, 7)
    assert span.attributes[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 1800
    assert span.attributes[n.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] == 300
    assert expect.tokens(instrumented, n.TOKEN_TYPE_INPUT) == 2120
    assert expect.tokens(instrumented, n.TOKEN_TYPE_OUTPUT) == 7


def test_prompt_caching_usage_streamed(instrumented, api):
    """PITFALLS 6: streamed usage comes from the API's own events."""
    api.sse(m.text_events(input_tokens=10, cache_read=500, cache_write=40, output_tokens=9))
    list(api.client().messages.create(**m.chat_kwargs(stream=True)))
    span = expect.only_span(instrumented)
    expect.usage(span, 550, 9)
    assert span.attributes[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 500
    assert span.attributes[n.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] == 40


@pytest.mark.parametrize(("stop_reason", "finish_reason"), [
    ("end_turn", "stop"),
    ("stop_sequence", "stop"),
    ("max_tokens", "length"),
    ("tool_use", "tool_call"),
    ("refusal", "content_filter"),
    ("pause_turn", "pause_turn"),
])
def test_finish_reasons_from_stop_reason(instrumented, api, stop_reason, finish_reason):
    api.json(m.message(stop_reason=stop_reason))
    api.client().messages.create(**m.chat_kwargs())
    span = expect.only_span(instrumented)
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == (finish_reason,)


WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather in a given location",
    "input_schema": {"type": "object", "properties": {"location": {"type": "string"}},
                     "required": ["location"]},
}
SEARCH_TOOL = {"type": "web_search_20250305", "name": "web_search", "max_uses": 2}


def test_tool_definitions_names_only_without_content(instrumented, api):
    api.json(m.message())
    api.client().messages.create(**m.chat_kwargs(tools=[WEATHER_TOOL, SEARCH_TOOL]))
    span = expect.only_span(instrumented)
    assert _json(span.attributes[n.GEN_AI_TOOL_DEFINITIONS]) == [
        {"type": "function", "name": "get_weather"},
        {"type": "web_search_20250305", "name": "web_search"},
    ]
    assert n.GEN_AI_INPUT_MESSAGES not in span.attributes


def test_tool_use_round_trip_content(captured, api):
    api.json(m.message([
        {"type": "text", "text": "Let me check."},
        {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
         "input": {"location": "San Francisco, CA"}},
    ], stop_reason="tool_use"))
    history = [
        {"role": "user", "content": "Weather in SF?"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_0", "name": "get_weather",
             "input": {"location": "SF"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_0", "content": "15 degrees"}]},
    ]
    api.client().messages.create(**m.chat_kwargs(
        messages=history, tools=[WEATHER_TOOL], system="You are a weather bot."))
    span = expect.only_span(captured)
    assert _json(span.attributes[n.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
        {"type": "text", "content": "You are a weather bot."}]
    inputs = _json(span.attributes[n.GEN_AI_INPUT_MESSAGES])
    assert inputs[1]["parts"] == [{"type": "tool_call", "name": "get_weather", "id": "toolu_0",
                                   "arguments": {"location": "SF"}}]
    assert inputs[2]["parts"] == [{"type": "tool_call_response", "id": "toolu_0",
                                   "response": "15 degrees"}]
    outputs = _json(span.attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs == [{"role": "assistant", "finish_reason": "tool_call", "parts": [
        {"type": "text", "content": "Let me check."},
        {"type": "tool_call", "name": "get_weather", "id": "toolu_01A09q90qw90lq917835lq9",
         "arguments": {"location": "San Francisco, CA"}},
    ]}]
    definitions = _json(span.attributes[n.GEN_AI_TOOL_DEFINITIONS])
    assert definitions[0]["description"] == WEATHER_TOOL["description"]
    assert definitions[0]["parameters"] == WEATHER_TOOL["input_schema"]


def test_streamed_tool_use_content(captured, api):
    api.sse(m.tool_events())
    list(api.client().messages.create(**m.chat_kwargs(stream=True, tools=[WEATHER_TOOL])))
    span = expect.only_span(captured)
    outputs = _json(span.attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs[0]["parts"][1] == {
        "type": "tool_call", "name": "get_weather", "id": "toolu_01A09q90qw90lq917835lq9",
        "arguments": {"location": "San Francisco, CA"}}
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_call",)


@pytest.mark.parametrize("stream", [False, True])
def test_thinking_becomes_reasoning_parts(captured, api, stream):
    if stream:
        api.sse(m.thinking_events())
    else:
        api.json(m.message([
            {"type": "thinking", "thinking": "Let me add 2 and 2.",
             "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"},
            {"type": "text", "text": "4"},
        ]))
    thinking = {"type": "enabled", "budget_tokens": 2048}
    if "thinking" in inspect.signature(anthropic.resources.messages.Messages.create).parameters:
        kwargs = m.chat_kwargs(thinking=thinking)
    else:
        kwargs = m.chat_kwargs(extra_body={"thinking": thinking})
    result = api.client().messages.create(**kwargs, stream=True) if stream else \
        api.client().messages.create(**kwargs)
    if stream:
        list(result)
    span = expect.only_span(captured)
    parts = _json(span.attributes[n.GEN_AI_OUTPUT_MESSAGES])[0]["parts"]
    assert parts == [{"type": "reasoning", "content": "Let me add 2 and 2."},
                     {"type": "text", "content": "4"}]
    assert "EqQBCgIYAhIM1gbcDa9GJwZA2b3h" not in span.attributes[n.GEN_AI_OUTPUT_MESSAGES]


def test_images_and_documents_as_parts(captured, api):
    api.json(m.message())
    content = [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                     "data": "iVBORw0KGgoAAAANSUhEUg=="}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                        "data": "JVBERi0xLjQK"}},
        {"type": "document", "source": {"type": "text", "media_type": "text/plain",
                                        "data": "The grass is green."}},
        {"type": "text", "text": "Describe these."},
    ]
    api.client().messages.create(**m.chat_kwargs(messages=[{"role": "user", "content": content}]))
    span = expect.only_span(captured)
    parts = _json(span.attributes[n.GEN_AI_INPUT_MESSAGES])[0]["parts"]
    assert parts[0]["type"] == "blob"
    assert parts[0]["modality"] == "image"
    assert parts[0]["mime_type"] == "image/png"
    # media bytes are not copied into telemetry unless asked for
    assert "iVBORw0KGgo" not in span.attributes[n.GEN_AI_INPUT_MESSAGES]
    assert parts[1] == {"type": "uri", "modality": "image", "uri": "https://example.com/cat.jpg"}
    assert parts[2]["type"] == "blob"
    assert parts[2]["modality"] == "document"
    assert parts[2]["mime_type"] == "application/pdf"
    assert parts[3] == {"type": "text", "content": "The grass is green."}
    assert parts[4] == {"type": "text", "content": "Describe these."}


def test_models_passed_back_as_history(captured, api):
    """Content blocks of a previous response (SDK models) read as well as dicts."""
    api.json(m.message()).json(m.message())
    client = api.client()
    first = client.messages.create(**m.chat_kwargs())
    client.messages.create(**m.chat_kwargs(messages=[
        {"role": "user", "content": "Say hello"},
        {"role": "assistant", "content": first.content},
        {"role": "user", "content": "Again"},
    ]))
    second = captured.spans()[-1]
    inputs = _json(second.attributes[n.GEN_AI_INPUT_MESSAGES])
    assert inputs[1] == {"role": "assistant",
                         "parts": [{"type": "text", "content": "Hello there!"}]}


@pytest.mark.parametrize(("client_cls", "provider", "kwargs"), [
    ("AnthropicBedrock", n.PROVIDER_AWS_BEDROCK,
     {"aws_region": "us-east-1", "aws_access_key": "AKIDEXAMPLE",
      "aws_secret_key": "wJalrXUtnFEMI/K7MDENG"}),
    ("AnthropicVertex", n.PROVIDER_GCP_VERTEX_AI,
     {"region": "us-east5", "project_id": "my-project", "access_token": "ya29.token"}),
])
def test_platform_clients_name_their_provider(instrumented, api, client_cls, provider, kwargs):
    cls = getattr(anthropic, client_cls)
    kwargs = dict(kwargs)
    kwargs.setdefault("max_retries", 0)
    if client_cls == "AnthropicBedrock":
        if "api_key" in inspect.signature(cls).parameters:
            kwargs = {"aws_region": "us-east-1", "api_key": "bedrock-key", "max_retries": 0}
        else:  # older SDKs sign every Bedrock request with botocore
            pytest.importorskip("botocore")
    client = cls(http_client=m.HTTP.Client(transport=m.HTTP.MockTransport(api.handler)),
                 **kwargs)
    api.json(m.message())
    client.messages.create(**m.chat_kwargs())
    span = expect.only_span(instrumented)
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == provider
    assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 6
    assert expect.durations(instrumented, **{n.GEN_AI_PROVIDER_NAME: provider}) == 1


def test_vertex_streaming(instrumented, api):
    client = anthropic.AnthropicVertex(
        region="us-east5", project_id="my-project", access_token="ya29.token", max_retries=0,
        http_client=m.HTTP.Client(transport=m.HTTP.MockTransport(api.handler)))
    api.sse(m.text_events())
    with client.messages.stream(**m.chat_kwargs()) as stream:
        assert stream.get_final_text() == "Hello there!"
    span = expect.only_span(instrumented)
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_GCP_VERTEX_AI
    expect.usage(span, 25, 15)


@needs_parse
async def test_messages_parse(instrumented, api):
    from pydantic import BaseModel

    class Answer(BaseModel):
        answer: int

    api.json(m.message([{"type": "text", "text": '{"answer": 4}'}]))
    api.json(m.message([{"type": "text", "text": '{"answer": 5}'}]))
    parsed = api.client().messages.parse(**m.chat_kwargs(output_format=Answer))
    assert parsed.parsed_output == Answer(answer=4)
    aparsed = await api.async_client().messages.parse(**m.chat_kwargs(output_format=Answer))
    assert aparsed.parsed_output == Answer(answer=5)
    spans = instrumented.spans()
    assert [s.name for s in spans] == [expect.CHAT_SPAN] * 2
    for span in spans:
        assert span.attributes[n.GEN_AI_OUTPUT_TYPE] == "json"
        expect.usage(span, 12, 6)


@needs_count_tokens
async def test_count_tokens_span(instrumented, api):
    api.json({"input_tokens": 2095}).json({"input_tokens": 14})
    count = api.client().messages.count_tokens(
        model=m.MODEL, messages=[{"role": "user", "content": "Hello"}])
    assert count.input_tokens == 2095
    acount = await api.async_client().messages.count_tokens(
        model=m.MODEL, messages=[{"role": "user", "content": "Hello"}])
    assert acount.input_tokens == 14
    spans = instrumented.spans()
    assert [s.name for s in spans] == ["messages.count_tokens"] * 2
    for span in spans:
        assert span.kind is SpanKind.CLIENT
        assert span.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_ANTHROPIC
        assert n.GEN_AI_OPERATION_NAME not in span.attributes
        assert not [k for k in span.attributes if k.startswith("gen_ai.usage.")]
    assert expect.durations(instrumented) == 0
    assert instrumented.histogram_count(n.METRIC_TOKEN_USAGE) == 0


BATCH = {
    "id": "msgbatch_013Zva2CMHLNnXjNJJKqJ2EF",
    "type": "message_batch",
    "processing_status": "in_progress",
    "request_counts": {"processing": 1, "succeeded": 0, "errored": 0, "canceled": 0,
                       "expired": 0},
    "ended_at": None,
    "created_at": "2024-09-24T18:37:24.100435Z",
    "expires_at": "2024-09-25T18:37:24.100435Z",
    "archived_at": None,
    "cancel_initiated_at": None,
    "results_url": None,
}


@needs_batches
async def test_batches_spans(instrumented, api):
    api.json(BATCH).json(BATCH).json(m.error_body("not_found_error", "no such batch"), 404)
    api.json(BATCH)
    client = api.client()
    batch = client.messages.batches.create(requests=[
        {"custom_id": "a", "params": m.chat_kwargs()}])
    assert batch.id == BATCH["id"]
    client.messages.batches.retrieve(BATCH["id"])
    with pytest.raises(anthropic.NotFoundError):
        client.messages.batches.cancel("msgbatch_missing")
    await api.async_client().messages.batches.retrieve(BATCH["id"])
    spans = instrumented.spans()
    assert [s.name for s in spans] == [
        "messages.batches.create", "messages.batches.retrieve", "messages.batches.cancel",
        "messages.batches.retrieve"]
    assert all(s.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_ANTHROPIC for s in spans)
    assert all(n.GEN_AI_OPERATION_NAME not in s.attributes for s in spans)
    expect.failed(spans[2], "not_found_error")


@needs_count_tokens
def test_count_tokens_raw_response(instrumented, api):
    api.json({"input_tokens": 7})
    raw = api.client().messages.with_raw_response.count_tokens(
        model=m.MODEL, messages=[{"role": "user", "content": "Hello"}])
    assert raw.parse().input_tokens == 7
    expect.only_span(instrumented, "messages.count_tokens")


async def test_beta_messages(instrumented, api):
    beta = anthropic.resources.beta.messages
    api.json(m.message()).sse(m.text_events()).sse(m.text_events())
    client, aclient = api.client(), api.async_client()
    client.beta.messages.create(**m.chat_kwargs())
    with client.beta.messages.stream(**m.chat_kwargs()) as stream:
        assert stream.get_final_text() == "Hello there!"
    async with aclient.beta.messages.stream(**m.chat_kwargs()) as astream:
        assert await astream.get_final_text() == "Hello there!"
    spans = instrumented.spans()
    assert [s.name for s in spans] == [expect.CHAT_SPAN] * 3
    expect.usage(spans[0], 12, 6)
    expect.usage(spans[1], 25, 15)
    expect.usage(spans[2], 25, 15)
    if hasattr(beta.Messages, "count_tokens"):
        api.json({"input_tokens": 3})
        client.beta.messages.count_tokens(
            model=m.MODEL, messages=[{"role": "user", "content": "x"}])
        assert instrumented.spans()[-1].name == "beta.messages.count_tokens"

"""Every API surface besides chat.completions.create: responses (create,
stream, parse), chat.completions.parse and the helper streams, embeddings,
legacy completions; each sync and async, plain, raw and streaming-response."""

from __future__ import annotations

from typing import Any

import openai
import pydantic
import pytest
from drive import MODES, run
from mock_api import (
    HTTP,
    MockAPI,
    chat_chunks,
    chat_completion,
    completion_body,
    completion_chunks,
    embeddings_body,
    responses_body,
    responses_events,
)
from opentelemetry.trace import SpanKind, StatusCode

from llmlens_semconv import names as n


class Weather(pydantic.BaseModel):
    city: str
    celsius: float


WEATHER_JSON = '{"city":"Paris","celsius":21.5}'


def chat_path(client: Any, method: str) -> str:
    """chat.completions.<method>, or its beta home on SDKs before it moved."""
    if hasattr(client.chat.completions, method):
        return f"chat.completions.{method}"
    return f"beta.chat.completions.{method}"


UNARY = {
    "responses": (
        "responses.create",
        {"model": "gpt-4.1", "input": "hi", "max_output_tokens": 300,
         "reasoning": {"effort": "low"}},
        responses_body,
        "chat gpt-4.1",
        {
            n.OPENAI_API_TYPE: n.OPENAI_API_TYPE_RESPONSES,
            n.GEN_AI_REQUEST_MAX_TOKENS: 300,
            n.GEN_AI_REQUEST_REASONING_LEVEL: "low",
            n.GEN_AI_RESPONSE_ID: "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c7b9c1a6",
            n.GEN_AI_RESPONSE_MODEL: "gpt-4.1-2025-04-14",
            n.GEN_AI_RESPONSE_FINISH_REASONS: ("completed",),
            n.GEN_AI_RESPONSE_STATUS: "completed",
            n.GEN_AI_USAGE_INPUT_TOKENS: 36,
            n.GEN_AI_USAGE_OUTPUT_TOKENS: 87,
            n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 8,
            n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: 5,
            n.OPENAI_RESPONSE_SERVICE_TIER: "default",
        },
    ),
    "embeddings": (
        "embeddings.create",
        {"model": "text-embedding-3-small", "input": ["a", "b"], "encoding_format": "float"},
        embeddings_body,
        "embeddings text-embedding-3-small",
        {
            n.GEN_AI_OPERATION_NAME: n.OP_EMBEDDINGS,
            n.GEN_AI_REQUEST_ENCODING_FORMATS: ("float",),
            n.GEN_AI_EMBEDDINGS_DIMENSION_COUNT: 8,
            n.GEN_AI_USAGE_INPUT_TOKENS: 8,
            n.GEN_AI_RESPONSE_MODEL: "text-embedding-3-small",
        },
    ),
    "completions": (
        "completions.create",
        {"model": "gpt-3.5-turbo-instruct", "prompt": "Say this is", "max_tokens": 7,
         "stop": "\n", "seed": 7, "n": 2},
        completion_body,
        "text_completion gpt-3.5-turbo-instruct",
        {
            n.GEN_AI_OPERATION_NAME: n.OP_TEXT_COMPLETION,
            n.GEN_AI_REQUEST_MAX_TOKENS: 7,
            n.GEN_AI_REQUEST_STOP_SEQUENCES: ("\n",),
            n.GEN_AI_REQUEST_SEED: 7,
            n.GEN_AI_REQUEST_CHOICE_COUNT: 2,
            n.GEN_AI_RESPONSE_FINISH_REASONS: ("length",),
            n.GEN_AI_USAGE_INPUT_TOKENS: 5,
            n.GEN_AI_USAGE_OUTPUT_TOKENS: 7,
        },
    ),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("surface", sorted(UNARY))
async def test_unary_surfaces(otel, is_async, mode, surface):
    path, kwargs, body, span_name, expected = UNARY[surface]
    client = MockAPI(is_async=is_async).json(body()).client()

    result = await run(client, path, mode, is_async=is_async, **kwargs)

    assert isinstance(result, pydantic.BaseModel)
    span = otel.span()
    assert span.name == span_name
    assert span.kind is SpanKind.CLIENT
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_OPENAI
    for key, value in expected.items():
        assert span.attributes.get(key) == value, key
    assert n.GEN_AI_REQUEST_STREAM not in span.attributes
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION) == 1


STREAMED = {
    "responses": ("responses.create", {"model": "gpt-4.1", "input": "hi"}, responses_events,
                  "chat gpt-4.1", (36, 87), ("completed",)),
    "completions": ("completions.create",
                    {"model": "gpt-3.5-turbo-instruct", "prompt": "Say",
                     "stream_options": {"include_usage": True}},
                    lambda: completion_chunks(usage=True),
                    "text_completion gpt-3.5-turbo-instruct", (5, 2), ("stop",)),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("surface", sorted(STREAMED))
async def test_streamed_surfaces(otel, is_async, mode, surface):
    path, kwargs, events, span_name, tokens, reasons = STREAMED[surface]
    client = MockAPI(is_async=is_async).sse(events()).client()

    chunks = await run(client, path, mode, stream=True, is_async=is_async, **kwargs)

    assert len(chunks) >= 3
    span = otel.span()
    assert span.name == span_name
    assert span.attributes[n.GEN_AI_REQUEST_STREAM] is True
    assert (span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS],
            span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS]) == tokens
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == reasons
    assert otel.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1


@pytest.mark.parametrize("mode", MODES)
async def test_chat_parse(otel, is_async, mode):
    api = MockAPI(is_async=is_async).json(chat_completion(WEATHER_JSON))
    client = api.client()

    result = await run(client, chat_path(client, "parse"), mode, is_async=is_async,
                       model="gpt-4o", messages=[{"role": "user", "content": "Paris?"}],
                       response_format=Weather)

    assert result.choices[0].message.parsed == Weather(city="Paris", celsius=21.5)
    span = otel.span()
    assert span.name == "chat gpt-4o"
    assert span.attributes[n.GEN_AI_OUTPUT_TYPE] == "json"
    assert span.attributes[n.OPENAI_API_TYPE] == n.OPENAI_API_TYPE_CHAT_COMPLETIONS
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 19


@pytest.mark.parametrize("mode", MODES)
async def test_responses_parse(otel, is_async, mode):
    client = MockAPI(is_async=is_async).json(responses_body(WEATHER_JSON,
                                                            reasoning_tokens=0)).client()
    helpers = {"raw": "with_raw_response", "streaming_response": "with_streaming_response"}
    if mode in helpers and not hasattr(getattr(client.responses, helpers[mode]), "parse"):
        pytest.skip(f"this SDK has no responses.{helpers[mode]}.parse")

    result = await run(client, "responses.parse", mode, is_async=is_async,
                       model="gpt-4.1", input="Paris?", text_format=Weather)

    assert result.output_parsed == Weather(city="Paris", celsius=21.5)
    span = otel.span()
    assert span.attributes[n.GEN_AI_OUTPUT_TYPE] == "json"
    assert span.attributes[n.OPENAI_API_TYPE] == n.OPENAI_API_TYPE_RESPONSES
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("completed",)


def test_chat_stream_helper_final_completion(otel):
    events = chat_chunks(usage=True, tool_call_args=('{"ci', 'ty":"Paris"}'),
                         finish_reason="tool_calls")
    client = MockAPI(is_async=False).sse(events).client()
    resource = client.chat.completions
    if not hasattr(resource, "stream"):
        resource = client.beta.chat.completions

    with resource.stream(model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}],
                         stream_options={"include_usage": True}) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()

    assert "content.delta" in kinds
    assert final.choices[0].message.content == "Hello!"
    assert final.choices[0].message.tool_calls[0].function.arguments == '{"city":"Paris"}'
    assert isinstance(stream, openai.lib.streaming.chat.ChatCompletionStream)
    span = otel.span()
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_calls",)
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 12
    assert span.attributes[n.LLMLENS_STREAM_END] == "completed"


async def test_responses_stream_helper_final_response(otel):
    client = MockAPI(is_async=True).sse(responses_events("Bonjour")).client()

    async with client.responses.stream(model="gpt-4.1", input="hi") as stream:
        await stream.until_done()
        final = await stream.get_final_response()

    assert final.output_text == "Bonjour"
    span = otel.span()
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == final.id
    assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 87
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION) == 1


@pytest.mark.parametrize(
    ("reason", "refusal"),
    [("tool_calls", None), ("content_filter", None), ("length", None), ("stop", "I can't help")],
)
def test_finish_reasons_verbatim(otel, reason, refusal):
    body = chat_completion(None if refusal or reason == "tool_calls" else "partial",
                           finish_reason=reason, refusal=refusal,
                           tool_calls=[{"id": "call_1", "type": "function",
                                        "function": {"name": "f", "arguments": "{}"}}]
                           if reason == "tool_calls" else None)
    client = MockAPI(is_async=False).json(body).client()
    client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert otel.span().attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == (reason,)


def test_multiple_choices_each_reason(otel):
    client = MockAPI(is_async=False).json(chat_completion(n=3)).client()
    client.chat.completions.create(model="gpt-4o", n=3,
                                   messages=[{"role": "user", "content": "x"}])
    span = otel.span()
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop", "stop", "stop")
    assert span.attributes[n.GEN_AI_REQUEST_CHOICE_COUNT] == 3


def test_responses_incomplete_reason(otel):
    body = responses_body(status="incomplete", incomplete_reason="max_output_tokens")
    client = MockAPI(is_async=False).json(body).client()
    client.responses.create(model="gpt-4.1", input="long story")
    span = otel.span()
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("max_output_tokens",)
    assert span.attributes[n.GEN_AI_RESPONSE_STATUS] == "incomplete"


def test_request_parameters_on_span(otel):
    client = MockAPI(is_async=False).json(chat_completion()).client()
    client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "x"}],
        max_completion_tokens=64, top_p=0.9, frequency_penalty=0.5, presence_penalty=-0.5,
        stop=["END", "STOP"], seed=42, response_format={"type": "json_object"},
        reasoning_effort="high", service_tier="auto", top_logprobs=3, logprobs=True,
        tools=[{"type": "function", "function": {
            "name": "get_weather", "description": "Weather for a city",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    )
    a = otel.span().attributes
    assert a[n.GEN_AI_REQUEST_MAX_TOKENS] == 64
    assert a[n.GEN_AI_REQUEST_TOP_P] == 0.9
    assert a[n.GEN_AI_REQUEST_FREQUENCY_PENALTY] == 0.5
    assert a[n.GEN_AI_REQUEST_PRESENCE_PENALTY] == -0.5
    assert a[n.GEN_AI_REQUEST_STOP_SEQUENCES] == ("END", "STOP")
    assert a[n.GEN_AI_REQUEST_SEED] == 42
    assert a[n.GEN_AI_OUTPUT_TYPE] == "json"
    assert a[n.GEN_AI_REQUEST_REASONING_LEVEL] == "high"
    # 'auto' is the default tier: not recorded; top_logprobs is not top_k
    assert n.OPENAI_REQUEST_SERVICE_TIER not in a
    assert n.GEN_AI_REQUEST_TOP_K not in a
    assert n.GEN_AI_REQUEST_CHOICE_COUNT not in a
    # tool names and types are recorded even without content capture
    assert a[n.GEN_AI_TOOL_DEFINITIONS] == '[{"type":"function","name":"get_weather"}]'


def test_requested_service_tier(otel):
    client = MockAPI(is_async=False).json(chat_completion(service_tier="flex")).client()
    client.chat.completions.create(model="o3", messages=[{"role": "user", "content": "x"}],
                                   service_tier="flex")
    a = otel.span().attributes
    assert a[n.OPENAI_REQUEST_SERVICE_TIER] == "flex"
    assert a[n.OPENAI_RESPONSE_SERVICE_TIER] == "flex"
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION,
                                **{n.OPENAI_RESPONSE_SERVICE_TIER: "flex"}) == 1


async def test_responses_stream_that_fails_is_an_error(otel, is_async):
    """A stream answered with 200 can still report failure (response.failed):
    the caller gets every event, the span says the operation failed."""
    client = MockAPI(is_async=is_async).sse(responses_events(failed=True)).client()
    stream = client.responses.create(model="gpt-4.1", input="hi", stream=True)
    if is_async:
        events = [e async for e in await stream]
    else:
        events = list(stream)
    assert events[-1].type == "response.failed"
    span = otel.span()
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == "server_error"
    assert span.attributes[n.GEN_AI_RESPONSE_STATUS] == "failed"
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION,
                                **{n.ERROR_TYPE: "server_error"}) == 1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("surface", sorted(STREAMED))
async def test_streamed_surfaces_broken_mid_stream(otel, is_async, mode, surface):
    path, kwargs, events, span_name, _, _ = STREAMED[surface]
    client = MockAPI(is_async=is_async).sse(events(), break_after=3).client()

    with pytest.raises((openai.APIConnectionError, HTTP.ReadError)) as caught:
        await run(client, path, mode, stream=True, is_async=is_async, **kwargs)

    span = otel.span()
    assert span.name == span_name
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == type(caught.value).__qualname__
    assert span.attributes[n.LLMLENS_STREAM_END] == "error"
    assert otel.metric_points(n.METRIC_TOKEN_USAGE) == []

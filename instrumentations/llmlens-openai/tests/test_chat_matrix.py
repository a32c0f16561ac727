"""chat.completions.create across the matrix: sync/async x stream/not x
plain/raw/streaming-response x success/HTTP error/connection error/mid-stream
error. Each cell: exactly one ended CLIENT span with the request attributes,
the outcome, and the metrics."""

from __future__ import annotations

import openai
import pytest
from drive import MODES, run
from mock_api import HTTP, MockAPI, chat_chunks, chat_completion, error_body, sse_error
from opentelemetry.trace import SpanKind, StatusCode

from llmlens_semconv import names as n

MODEL = "gpt-4o-mini"
MESSAGES = [{"role": "user", "content": "Say hello"}]


def _request_kwargs(stream: bool) -> dict:
    kwargs = {"model": MODEL, "messages": MESSAGES, "temperature": 0.2, "max_tokens": 50}
    if stream:
        kwargs["stream_options"] = {"include_usage": True}
    return kwargs


def _assert_request_attributes(span, stream: bool) -> None:
    a = span.attributes
    assert span.name == f"chat {MODEL}"
    assert span.kind is SpanKind.CLIENT
    assert a[n.GEN_AI_OPERATION_NAME] == n.OP_CHAT
    assert a[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_OPENAI
    assert a[n.GEN_AI_REQUEST_MODEL] == MODEL
    assert a[n.GEN_AI_REQUEST_TEMPERATURE] == 0.2
    assert a[n.GEN_AI_REQUEST_MAX_TOKENS] == 50
    assert a[n.SERVER_ADDRESS] == "api.openai.com"
    assert a[n.SERVER_PORT] == 443
    assert a[n.OPENAI_API_TYPE] == n.OPENAI_API_TYPE_CHAT_COMPLETIONS
    assert a.get(n.GEN_AI_REQUEST_STREAM) is (True if stream else None)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("stream", [False, True], ids=["unary", "stream"])
async def test_success(otel, is_async, mode, stream):
    api = MockAPI(is_async=is_async)
    if stream:
        api.sse(chat_chunks(usage=True))
    else:
        api.json(chat_completion(cached=4, reasoning=3))
    client = api.client()

    result = await run(client, "chat.completions.create", mode, stream=stream,
                       is_async=is_async, **_request_kwargs(stream))

    if stream:
        assert all(isinstance(c, openai.types.chat.ChatCompletionChunk) for c in result)
        assert "".join(c.choices[0].delta.content or "" for c in result if c.choices) == "Hello!"
        assert result[-1].usage is not None  # the caller asked for usage: it sees it
    else:
        assert isinstance(result, openai.types.chat.ChatCompletion)
        assert result.choices[0].message.content == "Hello there!"

    span = otel.span()
    _assert_request_attributes(span, stream)
    a = span.attributes
    assert span.status.status_code is StatusCode.UNSET
    assert n.ERROR_TYPE not in a
    assert a[n.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
    assert a[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    assert a[n.OPENAI_RESPONSE_SERVICE_TIER] == "default"
    assert a[n.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] == "fp_06737a9306"
    if stream:
        assert a[n.GEN_AI_RESPONSE_ID] == "chatcmpl-stream1"
        assert (a[n.GEN_AI_USAGE_INPUT_TOKENS], a[n.GEN_AI_USAGE_OUTPUT_TOKENS]) == (12, 3)
        assert a[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 4
        assert a[n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0
        assert otel.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1
        assert otel.histogram_count(n.METRIC_TIME_PER_OUTPUT_CHUNK) >= 4
    else:
        assert a[n.GEN_AI_RESPONSE_ID] == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
        assert (a[n.GEN_AI_USAGE_INPUT_TOKENS], a[n.GEN_AI_USAGE_OUTPUT_TOKENS]) == (19, 10)
        assert a[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 4
        assert a[n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 3
        assert otel.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 0

    assert otel.histogram_count(
        n.METRIC_OPERATION_DURATION, **{n.GEN_AI_OPERATION_NAME: n.OP_CHAT,
                                        n.GEN_AI_PROVIDER_NAME: n.PROVIDER_OPENAI,
                                        n.GEN_AI_REQUEST_MODEL: MODEL}) == 1
    inputs = otel.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: "input"})
    outputs = otel.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: "output"})
    assert (inputs, outputs) == ((12, 3) if stream else (19, 10))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("stream", [False, True], ids=["unary", "stream"])
@pytest.mark.parametrize(
    ("failure", "exc_type", "error_type"),
    [
        ("http_429", openai.RateLimitError, "RateLimitError"),
        ("http_500", openai.InternalServerError, "InternalServerError"),
        ("connection", openai.APIConnectionError, "APIConnectionError"),
        ("timeout", openai.APITimeoutError, "APITimeoutError"),
    ],
)
async def test_request_failure(otel, is_async, mode, stream, failure, exc_type, error_type):
    api = MockAPI(is_async=is_async)
    if failure == "http_429":
        api.json(error_body(), status=429)
    elif failure == "http_500":
        api.json(error_body("boom", "server_error", None), status=500)
    elif failure == "connection":
        api.error(HTTP.ConnectError("connection refused"))
    else:
        api.error(HTTP.ReadTimeout("timed out"))
    client = api.client()

    with pytest.raises(exc_type):
        await run(client, "chat.completions.create", mode, stream=stream, is_async=is_async,
                  **_request_kwargs(stream))

    span = otel.span()
    _assert_request_attributes(span, stream)  # request attributes survive the failure
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == error_type
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in span.attributes
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION, **{n.ERROR_TYPE: error_type}) == 1
    assert otel.metric_points(n.METRIC_TOKEN_USAGE) == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("how", "exc_type"),
    [
        ("sse_error_event", openai.APIError),
        # newer SDKs wrap a transport error in APIConnectionError, older ones do not
        ("connection_reset", (openai.APIConnectionError, HTTP.ReadError)),
    ],
)
async def test_mid_stream_failure(otel, is_async, mode, how, exc_type):
    api = MockAPI(is_async=is_async)
    events = chat_chunks(done=False)[:3]
    if how == "sse_error_event":
        api.sse([*events, sse_error()])
    else:
        api.sse([*events, *chat_chunks()[3:]], break_after=3)
    client = api.client()

    with pytest.raises(exc_type) as caught:
        await run(client, "chat.completions.create", mode, stream=True, is_async=is_async,
                  **_request_kwargs(True))
    error_type = type(caught.value).__qualname__

    span = otel.span()
    _assert_request_attributes(span, True)
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == error_type
    # what arrived before the failure is kept
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == "chatcmpl-stream1"
    assert span.attributes[n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION, **{n.ERROR_TYPE: error_type}) == 1

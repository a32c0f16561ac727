"""with_raw_response / with_streaming_response: every way a caller may use
the response object still ends the call once, with what was seen."""

from __future__ import annotations

import gc

from mock_api import MockAPI, chat_chunks

from llmlens_semconv import names as n

KWARGS = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}],
          "stream": True, "stream_options": {"include_usage": True}}


def test_raw_stream_never_parsed_ends_when_dropped(otel):
    client = MockAPI(is_async=False).sse(chat_chunks(usage=True)).client()
    raw = client.chat.completions.with_raw_response.create(**KWARGS)
    assert raw.headers["content-type"] == "text/event-stream"
    del raw
    gc.collect()
    span = otel.span()
    assert span.attributes[n.GEN_AI_REQUEST_STREAM] is True
    assert n.ERROR_TYPE not in span.attributes


def test_streaming_response_read_as_lines(otel):
    client = MockAPI(is_async=False).sse(chat_chunks(usage=True)).client()
    with client.chat.completions.with_streaming_response.create(**KWARGS) as response:
        lines = [line for line in response.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    span = otel.span()
    # the bytes went to the caller unparsed: the span ends on close, without usage
    assert span.attributes[n.LLMLENS_STREAM_END] == "closed"
    assert span.attributes[n.LLMLENS_USAGE_UNAVAILABLE] is True


def test_streaming_response_parsed_stream_broken_off(otel):
    client = MockAPI(is_async=False).sse(chat_chunks(usage=True)).client()
    with client.chat.completions.with_streaming_response.create(**KWARGS) as response:
        stream = response.parse()
        assert response.parse() is stream
        for _ in stream:
            break
    span = otel.span()
    assert span.attributes[n.LLMLENS_STREAM_END] == "closed"
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == "chatcmpl-stream1"


async def test_async_streaming_response_read_as_json(otel):
    from mock_api import chat_completion

    client = MockAPI(is_async=True).json(chat_completion()).client()
    kwargs = {k: v for k, v in KWARGS.items() if k not in ("stream", "stream_options")}
    async with client.chat.completions.with_streaming_response.create(**kwargs) as response:
        body = await response.json()
    span = otel.span()
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == body["id"]
    assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 10


async def test_async_streaming_response_never_read(otel):
    from mock_api import chat_completion

    client = MockAPI(is_async=True).json(chat_completion()).client()
    kwargs = {k: v for k, v in KWARGS.items() if k not in ("stream", "stream_options")}
    async with client.chat.completions.with_streaming_response.create(**kwargs) as response:
        assert response.status_code == 200
    span = otel.span()
    assert n.ERROR_TYPE not in span.attributes
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION) == 1

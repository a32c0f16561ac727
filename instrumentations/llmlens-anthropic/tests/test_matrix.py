"""The call matrix: sync/async x stream or not x plain/raw/streaming-response
x success/HTTP error/error inside the stream. Each cell: exactly one span
with the right outcome and metrics, and the caller gets what the SDK gives."""

from __future__ import annotations

import inspect
from typing import Any

import anthropic
import expect
import mock_api as m
import pytest

from llmlens_semconv import names as n

SURFACES = ("plain", "raw", "streaming_response")
OUTCOMES = ("success", "http_error", "stream_error")


def _cells() -> list[Any]:
    cells = []
    for is_async in (False, True):
        for stream in (False, True):
            for surface in SURFACES:
                for outcome in OUTCOMES:
                    if outcome == "stream_error" and not stream:
                        continue
                    cells.append(pytest.param(
                        is_async, stream, surface, outcome,
                        id=f"{'async' if is_async else 'sync'}-"
                           f"{'stream' if stream else 'json'}-{surface}-{outcome}"))
    return cells


async def _resolve(value: Any) -> Any:
    return await value if inspect.isawaitable(value) else value


async def _consume(obj: Any, is_async: bool) -> list[Any]:
    if is_async:
        return [e async for e in obj]
    return list(obj)


async def _drive(api: m.MockAPI, is_async: bool, stream: bool, surface: str) -> Any:
    """Make the call the way a user would on that surface; return what the
    user ends up holding (a Message, or the list of stream events)."""
    kwargs = m.chat_kwargs(stream=True) if stream else m.chat_kwargs()
    client = api.async_client() if is_async else api.client()
    messages = client.messages
    if surface == "plain":
        result = await _resolve(messages.create(**kwargs))
        if stream:
            assert isinstance(result, anthropic.AsyncStream if is_async else anthropic.Stream)
            return await _consume(result, is_async)
        assert isinstance(result, anthropic.types.Message)
        return result
    if surface == "raw":
        raw = await _resolve(messages.with_raw_response.create(**kwargs))
        assert raw.headers.get("request-id") == m.REQUEST_ID
        parsed = await _resolve(raw.parse())
        if stream:
            return await _consume(parsed, is_async)
        assert isinstance(parsed, anthropic.types.Message)
        return parsed
    if is_async:
        async with messages.with_streaming_response.create(**kwargs) as response:
            assert response.headers.get("request-id") == m.REQUEST_ID
            parsed = await response.parse()
            return await _consume(parsed, True) if stream else parsed
    with messages.with_streaming_response.create(**kwargs) as response:
        assert response.headers.get("request-id") == m.REQUEST_ID
        parsed = response.parse()
        return await _consume(parsed, False) if stream else parsed


@pytest.mark.parametrize(("is_async", "stream", "surface", "outcome"), _cells())
async def test_call_matrix(instrumented, api, is_async, stream, surface, outcome):
    if outcome == "http_error":
        api.json(m.error_body("overloaded_error"), status=529)
    elif stream:
        events = m.text_events()
        if outcome == "stream_error":
            events = [*events[:4], m.error_event("overloaded_error")]
        api.sse(events)
    else:
        api.json(m.message())

    if outcome == "success":
        result = await _drive(api, is_async, stream, surface)
    else:
        with pytest.raises(anthropic.APIStatusError) as raised:
            await _drive(api, is_async, stream, surface)
        assert raised.value.body["error"]["type"] == "overloaded_error"

    span = expect.only_span(instrumented)
    assert span.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_CHAT
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_ANTHROPIC
    assert span.attributes[n.GEN_AI_REQUEST_MODEL] == m.MODEL
    assert span.attributes[n.GEN_AI_REQUEST_MAX_TOKENS] == 1024
    assert span.attributes.get(n.GEN_AI_REQUEST_STREAM) is (True if stream else None)
    assert expect.durations(instrumented) == 1

    if outcome == "success":
        expect.ok(span)
        assert span.attributes[n.GEN_AI_RESPONSE_ID] == m.MESSAGE_ID
        assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
        if stream:
            assert [e.type for e in result][-1] == "message_stop"
            expect.usage(span, 25, 15)
            assert span.attributes[n.LLMLENS_STREAM_END] == "completed"
            assert instrumented.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1
            assert instrumented.histogram_count(n.METRIC_TIME_PER_OUTPUT_CHUNK) == len(result) - 1
        else:
            assert result.content[0].text == "Hello there!"
            expect.usage(span, 12, 6)
        assert expect.tokens(instrumented, n.TOKEN_TYPE_INPUT) == (25 if stream else 12)
        assert expect.tokens(instrumented, n.TOKEN_TYPE_OUTPUT) == (15 if stream else 6)
    else:
        expect.failed(span, "overloaded_error")
        assert expect.durations(instrumented, **{n.ERROR_TYPE: "overloaded_error"}) == 1
        if outcome == "stream_error":
            # what arrived before the error is kept; the final count never came
            expect.usage(span, 25, None)
            assert span.attributes[n.LLMLENS_STREAM_END] == "error"
        else:
            expect.usage(span, None, None)
            assert expect.tokens(instrumented, n.TOKEN_TYPE_INPUT) == 0


def test_raw_response_parse_gives_the_same_object(instrumented, api):
    api.json(m.message())
    raw = api.client().messages.with_raw_response.create(**m.chat_kwargs())
    first = raw.parse()
    assert raw.parse() is first
    assert type(first) is anthropic.types.Message
    expect.usage(expect.only_span(instrumented), 12, 6)


async def test_raw_stream_never_parsed_still_ends(instrumented, api):
    api.sse(m.text_events()).sse(m.text_events())
    client = api.client()
    with client.messages.with_streaming_response.create(**m.chat_kwargs(stream=True)) as r:
        lines = list(r.iter_lines())
    assert any("message_stop" in line for line in lines)
    raw = client.messages.with_raw_response.create(**m.chat_kwargs(stream=True))
    raw.close()
    spans = instrumented.spans()
    assert [s.name for s in spans] == [expect.CHAT_SPAN] * 2
    for span in spans:
        expect.ok(span)
        assert span.attributes[n.LLMLENS_USAGE_UNAVAILABLE] is True

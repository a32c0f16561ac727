"""Every way a stream can end ends its span exactly once (PITFALLS 1, 2, 5),
for ``messages.create(stream=True)`` and for the ``messages.stream()``
helper, sync and async."""

from __future__ import annotations

import asyncio
import gc

import anthropic
import expect
import mock_api as m
import pytest
from opentelemetry.trace import StatusCode

from llmlens_semconv import names as n

EXITS = ("consume", "break_in_with", "close", "gc", "raise_in_with", "transport_error")


class UserError(Exception):
    pass


def _sync_create(client, exit_path):
    stream = client.messages.create(**m.chat_kwargs(stream=True))
    assert isinstance(stream, anthropic.Stream)
    if exit_path == "consume":
        assert len(list(stream)) == 8
    elif exit_path == "break_in_with":
        with stream as s:
            for event in s:
                if event.type == "content_block_delta":
                    break
    elif exit_path == "close":
        next(iter(stream))
        stream.close()
    elif exit_path == "gc":
        next(iter(stream))
        del stream
        gc.collect()
    elif exit_path == "raise_in_with":
        with pytest.raises(UserError), stream as s:
            for _ in s:
                raise UserError("the caller gave up")
    elif exit_path == "transport_error":
        with pytest.raises(m.HTTP.ReadError):
            list(stream)


async def _async_create(client, exit_path):
    stream = await client.messages.create(**m.chat_kwargs(stream=True))
    assert isinstance(stream, anthropic.AsyncStream)
    if exit_path == "consume":
        assert len([e async for e in stream]) == 8
    elif exit_path == "break_in_with":
        async with stream as s:
            async for event in s:
                if event.type == "content_block_delta":
                    break
    elif exit_path == "close":
        await stream.__anext__()
        await stream.close()
    elif exit_path == "gc":
        await stream.__anext__()
        del stream
        gc.collect()
    elif exit_path == "raise_in_with":
        with pytest.raises(UserError):
            async with stream as s:
                async for _ in s:
                    raise UserError("the caller gave up")
    elif exit_path == "transport_error":
        with pytest.raises(m.HTTP.ReadError):
            _ = [e async for e in stream]


def _sync_helper(client, exit_path):
    manager = client.messages.stream(**m.chat_kwargs())
    assert isinstance(manager, anthropic.lib.streaming.MessageStreamManager)
    if exit_path == "consume":
        with manager as stream:
            assert type(stream) is anthropic.lib.streaming.MessageStream
            assert "".join(stream.text_stream) == "Hello there!"
            assert stream.get_final_message().usage.output_tokens == 15
    elif exit_path == "break_in_with":
        with manager as stream:
            for event in stream:
                if event.type == "content_block_delta":
                    break
    elif exit_path == "close":
        stream = manager.__enter__()
        next(iter(stream))
        stream.close()
    elif exit_path == "gc":
        stream = manager.__enter__()
        next(iter(stream))
        del stream, manager
        gc.collect()
    elif exit_path == "raise_in_with":
        with pytest.raises(UserError), manager as stream:
            for _ in stream:
                raise UserError("the caller gave up")
    elif exit_path == "transport_error":
        with pytest.raises(m.HTTP.ReadError), manager as stream:
            stream.until_done()


async def _async_helper(client, exit_path):
    manager = client.messages.stream(**m.chat_kwargs())
    assert isinstance(manager, anthropic.lib.streaming.AsyncMessageStreamManager)
    if exit_path == "consume":
        async with manager as stream:
            assert type(stream) is anthropic.lib.streaming.AsyncMessageStream
            assert "".join([t async for t in stream.text_stream]) == "Hello there!"
            assert (await stream.get_final_message()).usage.output_tokens == 15
    elif exit_path == "break_in_with":
        async with manager as stream:
            async for event in stream:
                if event.type == "content_block_delta":
                    break
    elif exit_path == "close":
        stream = await manager.__aenter__()
        await stream.__anext__()
        await stream.close()
    elif exit_path == "gc":
        stream = await manager.__aenter__()
        await stream.__anext__()
        del stream, manager
        gc.collect()
    elif exit_path == "raise_in_with":
        with pytest.raises(UserError):
            async with manager as stream:
                async for _ in stream:
                    raise UserError("the caller gave up")
    elif exit_path == "transport_error":
        with pytest.raises(m.HTTP.ReadError):
            async with manager as stream:
                await stream.until_done()


DRIVERS = {
    "create-sync": (_sync_create, False),
    "create-async": (_async_create, True),
    "helper-sync": (_sync_helper, False),
    "helper-async": (_async_helper, True),
}
END_REASON = {
    "consume": "completed",
    "break_in_with": "closed",
    "close": "closed",
    "gc": "abandoned",
    "raise_in_with": "error",
    "transport_error": "error",
}


@pytest.mark.parametrize("exit_path", EXITS)
@pytest.mark.parametrize("driver", DRIVERS)
async def test_stream_ends_exactly_once(instrumented, api, driver, exit_path):
    api.sse(m.text_events(), fail=exit_path == "transport_error")
    drive, is_async = DRIVERS[driver]
    client = api.async_client() if is_async else api.client()
    if is_async:
        await drive(client, exit_path)
    else:
        drive(client, exit_path)

    span = expect.only_span(instrumented, collect=exit_path == "gc")
    end = END_REASON[exit_path]
    if exit_path == "gc" and driver.startswith("helper"):
        # dropping a MessageStream closes its response first; either way, once
        assert span.attributes[n.LLMLENS_STREAM_END] in ("abandoned", "closed")
    else:
        assert span.attributes[n.LLMLENS_STREAM_END] == end
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == m.MESSAGE_ID
    # the input count is known from the first event, whatever happens next
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 25
    if end == "completed":
        expect.ok(span)
        assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 15
    if exit_path == "raise_in_with":
        expect.failed(span, "UserError")
    if exit_path == "transport_error":
        expect.failed(span, "ReadError")
    assert expect.durations(instrumented) == 1
    assert instrumented.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1


@pytest.mark.parametrize("helper", [False, True])
async def test_cancelled_stream_ends_its_span(instrumented, api, helper):
    api.sse(m.text_events()[:3], hang=True)
    client = api.async_client()
    started = asyncio.Event()

    async def read() -> None:
        if helper:
            async with client.messages.stream(**m.chat_kwargs()) as stream:
                async for _ in stream:
                    started.set()
        else:
            stream = await client.messages.create(**m.chat_kwargs(stream=True))
            async for _ in stream:
                started.set()

    task = asyncio.create_task(read())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    span = expect.only_span(instrumented)
    assert span.attributes[n.LLMLENS_STREAM_END] == "cancelled"
    assert span.attributes[n.ERROR_TYPE] == "CancelledError"
    assert span.status.status_code is StatusCode.ERROR
    assert expect.durations(instrumented) == 1


def test_stream_used_as_context_manager_is_seen(instrumented, api):
    """PITFALLS 2: iterating inside ``with`` goes through the proxy."""
    api.sse(m.text_events())
    client = api.client()
    with client.messages.create(**m.chat_kwargs(stream=True)) as stream:
        texts = [e.delta.text for e in stream if e.type == "content_block_delta"]
    assert texts == ["Hello", " there", "!"]
    span = expect.only_span(instrumented)
    assert span.attributes[n.LLMLENS_STREAM_END] == "completed"
    assert span.attributes[n.LLMLENS_STREAM_CHUNKS] == 8
    expect.usage(span, 25, 15)


def test_message_stream_helpers_keep_working(instrumented, api):
    """PITFALLS 5: the helper is the SDK's own MessageStream, every helper works."""
    api.sse(m.tool_events())
    client = api.client()
    with client.messages.stream(**m.chat_kwargs()) as stream:
        assert isinstance(stream, anthropic.lib.streaming.MessageStream)
        final = stream.get_final_message()
        assert stream.get_final_text() == "Let me check."
        stream.until_done()
        assert stream.current_message_snapshot is final
        assert stream.response.headers["request-id"] == m.REQUEST_ID
    assert final.content[1].input == {"location": "San Francisco, CA"}
    span = expect.only_span(instrumented)
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_call",)
    expect.usage(span, 25, 40)


@pytest.mark.parametrize("is_async", [False, True])
async def test_overloaded_error_event_inside_message_stream(instrumented, api, is_async):
    api.sse([*m.text_events()[:4], m.error_event("overloaded_error")])
    if is_async:
        with pytest.raises(anthropic.APIStatusError):
            async with api.async_client().messages.stream(**m.chat_kwargs()) as stream:
                await stream.get_final_message()
    else:
        with pytest.raises(anthropic.APIStatusError), \
                api.client().messages.stream(**m.chat_kwargs()) as stream:
            stream.get_final_message()
    span = expect.only_span(instrumented)
    expect.failed(span, "overloaded_error")
    assert span.attributes[n.LLMLENS_STREAM_END] == "error"
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 25
    assert expect.durations(instrumented, **{n.ERROR_TYPE: "overloaded_error"}) == 1

"""Every stream ends its call exactly once, whichever way it ends: fully
consumed, broken out of inside ``with``, closed, garbage collected, an
exception in the caller's loop, task cancellation. For every streaming
surface: chat and legacy completions, responses, and both helper streams."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Callable
from typing import Any

import pytest
from mock_api import MockAPI, chat_chunks, completion_chunks, responses_events
from opentelemetry.trace import StatusCode

from llmlens_semconv import names as n

MESSAGES = [{"role": "user", "content": "Say hello"}]


class Surface:
    def __init__(self, name: str, span_name: str, events: Callable[[], list[str]],
                 open_stream: Callable[[Any], Any], manager: bool = False) -> None:
        self.name = name
        self.span_name = span_name
        self.events = events
        self.open = open_stream
        self.manager = manager

    def __repr__(self) -> str:
        return self.name


SURFACES = [
    Surface("chat", "chat gpt-4o-mini", chat_chunks,
            lambda c: c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                                stream=True)),
    Surface("completions", "text_completion gpt-3.5-turbo-instruct", completion_chunks,
            lambda c: c.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say",
                                           stream=True)),
    Surface("responses", "chat gpt-4.1", responses_events,
            lambda c: c.responses.create(model="gpt-4.1", input="hi", stream=True)),
    Surface("chat_helper", "chat gpt-4o-mini", chat_chunks,
            lambda c: _chat_resource(c).stream(model="gpt-4o-mini", messages=MESSAGES),
            manager=True),
    Surface("responses_helper", "chat gpt-4.1", responses_events,
            lambda c: c.responses.stream(model="gpt-4.1", input="hi"), manager=True),
]


def _chat_resource(client: Any) -> Any:
    """chat.completions, or beta.chat.completions on SDKs before the helpers moved."""
    chat = client.chat.completions
    return chat if hasattr(chat, "stream") else client.beta.chat.completions


def _one_span(otel, surface: Surface, end: str, error_type: str | None = None):
    span = otel.span()
    assert span.name == surface.span_name
    assert span.attributes[n.GEN_AI_REQUEST_STREAM] is True
    assert span.attributes[n.LLMLENS_STREAM_END] == end
    if error_type is None:
        assert span.status.status_code is StatusCode.UNSET
    else:
        assert span.status.status_code is StatusCode.ERROR
        assert span.attributes[n.ERROR_TYPE] == error_type
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION) == 1
    assert otel.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1
    return span


@pytest.fixture(params=SURFACES, ids=repr)
def surface(request) -> Surface:
    return request.param


# --- sync ------------------------------------------------------------------------------


def test_full_consumption(otel, surface):
    client = MockAPI(is_async=False).sse(surface.events()).client()
    if surface.manager:
        with surface.open(client) as stream:
            events = list(stream)
    else:
        events = list(surface.open(client))
    assert events
    span = _one_span(otel, surface, "completed")
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] in (("stop",), ("completed",))


def test_break_inside_with(otel, surface):
    client = MockAPI(is_async=False).sse(surface.events()).client()
    with surface.open(client) as stream:
        for _ in stream:
            break
    _one_span(otel, surface, "closed")


def test_close(otel, surface):
    client = MockAPI(is_async=False).sse(surface.events()).client()
    opened = surface.open(client)
    stream = opened.__enter__() if surface.manager else opened
    next(iter(stream))
    stream.close()
    _one_span(otel, surface, "closed")


def test_garbage_collected(otel, surface):
    client = MockAPI(is_async=False).sse(surface.events()).client()
    opened = surface.open(client)
    stream = opened.__enter__() if surface.manager else opened
    next(iter(stream))
    del stream, opened
    gc.collect()
    _one_span(otel, surface, "abandoned")


def test_exception_in_callers_loop(otel, surface):
    client = MockAPI(is_async=False).sse(surface.events()).client()
    with pytest.raises(KeyError), surface.open(client) as stream:
        for _ in stream:
            raise KeyError("caller bug")
    _one_span(otel, surface, "error", "KeyError")


# --- async -----------------------------------------------------------------------------


async def test_async_full_consumption(otel, surface):
    client = MockAPI(is_async=True).sse(surface.events()).client()
    if surface.manager:
        async with surface.open(client) as stream:
            events = [e async for e in stream]
    else:
        events = [e async for e in await surface.open(client)]
    assert events
    _one_span(otel, surface, "completed")


async def test_async_break_inside_with(otel, surface):
    client = MockAPI(is_async=True).sse(surface.events()).client()
    opened = surface.open(client)
    async with (opened if surface.manager else await opened) as stream:
        async for _ in stream:
            break
    _one_span(otel, surface, "closed")


async def test_async_close(otel, surface):
    client = MockAPI(is_async=True).sse(surface.events()).client()
    opened = surface.open(client)
    stream = await (opened.__aenter__() if surface.manager else opened)
    await stream.__aiter__().__anext__()
    await stream.close()
    _one_span(otel, surface, "closed")


async def test_async_garbage_collected(otel, surface):
    client = MockAPI(is_async=True).sse(surface.events()).client()
    opened = surface.open(client)
    stream = await (opened.__aenter__() if surface.manager else opened)
    await stream.__aiter__().__anext__()
    del stream, opened
    gc.collect()
    # a suspended async generator inside the SDK's helper stream is closed
    # by the event loop's finalizer hook: give the loop a turn
    for _ in range(3):
        await asyncio.sleep(0)
    gc.collect()
    _one_span(otel, surface, "abandoned")


async def test_async_exception_in_callers_loop(otel, surface):
    client = MockAPI(is_async=True).sse(surface.events()).client()
    opened = surface.open(client)
    with pytest.raises(KeyError):
        async with (opened if surface.manager else await opened) as stream:
            async for _ in stream:
                raise KeyError("caller bug")
    _one_span(otel, surface, "error", "KeyError")


async def test_async_cancellation(otel, surface):
    client = MockAPI(is_async=True).sse(surface.events(), hang_after=2).client()
    first = asyncio.Event()

    async def consume() -> None:
        opened = surface.open(client)
        if surface.manager:
            async with opened as stream:
                async for _ in stream:
                    first.set()
        else:
            async for _ in await opened:
                first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    _one_span(otel, surface, "cancelled", "CancelledError")


async def test_async_cancellation_of_an_unary_call_in_flight(otel):
    """Not a stream: the task awaiting a plain create() is cancelled while
    the response body is still arriving."""
    api = MockAPI(is_async=True).sse(['{"id": "chatcmpl-1", '], hang_after=1)
    client = api.client()
    task = asyncio.create_task(client.chat.completions.create(model="gpt-4o-mini",
                                                              messages=MESSAGES))
    for _ in range(500):  # until the request reached the server
        await asyncio.sleep(0.01)
        if api.requests:
            break
    await asyncio.sleep(0.05)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    span = otel.span()
    assert span.attributes[n.ERROR_TYPE] == "CancelledError"
    assert span.status.status_code is StatusCode.ERROR
    assert n.GEN_AI_REQUEST_STREAM not in span.attributes

"""Stream proxies end their call exactly once, whatever ends the stream."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv import names as n
from llmlens_semconv.streams import AsyncStreamProxy, StreamProxy
from llmlens_semconv.testing import Telemetry


class FakeStream:
    """Shaped like an SDK stream: iterable, closable, a context manager."""

    def __init__(self, items: list[Any], fail_at: int | None = None) -> None:
        self.items = items
        self.fail_at = fail_at
        self.closed = False
        self.response = "http-response"

    def __iter__(self) -> Iterator[Any]:
        for i, item in enumerate(self.items):
            if i == self.fail_at:
                raise ConnectionError("peer closed")
            yield item

    def close(self) -> None:
        self.closed = True

    def __enter__(self) -> FakeStream:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class FakeAsyncStream:
    def __init__(self, items: list[Any], fail_at: int | None = None, delay: float = 0) -> None:
        self.items = items
        self.fail_at = fail_at
        self.delay = delay
        self.closed = False

    async def _gen(self) -> AsyncIterator[Any]:
        for i, item in enumerate(self.items):
            if self.delay:
                await asyncio.sleep(self.delay)
            if i == self.fail_at:
                raise ConnectionError("peer closed")
            yield item

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._gen()

    async def close(self) -> None:
        self.closed = True

    async def __aenter__(self) -> FakeAsyncStream:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()


class CountingAccumulator:
    """Counts text chunks; a chunk equal to 'usage' carries usage and is hidden."""

    def __init__(self, hide_usage: bool = False) -> None:
        self.text: list[str] = []
        self.usage: Usage | None = None
        self.hide_usage = hide_usage

    def add(self, chunk: Any) -> bool:
        if chunk == "usage":
            self.usage = Usage(input_tokens=5, output_tokens=len(self.text))
            return self.hide_usage
        self.text.append(chunk)
        return False

    def response(self) -> Response:
        return Response(id="r1", finish_reasons=["stop"] if self.usage else None,
                        usage=self.usage)


def start(emitter: Emitter) -> Any:
    return emitter.start(Request(operation=n.OP_CHAT, provider="openai", model="m", stream=True))


ITEMS = ["a", "b", "c", "usage"]


def test_proxy_keeps_isinstance_and_attributes(emitter: Emitter) -> None:
    raw = FakeStream(ITEMS)
    proxy = StreamProxy(raw, start(emitter), CountingAccumulator())
    assert isinstance(proxy, FakeStream)
    assert proxy.response == "http-response"
    list(proxy)


def test_full_consumption(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = StreamProxy(FakeStream(ITEMS), start(emitter), CountingAccumulator())
    assert list(proxy) == ITEMS
    span = telemetry.span()
    assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 3
    assert span.attributes[n.LLMLENS_STREAM_END] == "completed"
    assert span.attributes[n.GEN_AI_REQUEST_STREAM] is True
    assert n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK in span.attributes
    assert telemetry.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1
    assert telemetry.histogram_count(n.METRIC_TIME_PER_OUTPUT_CHUNK) == 3


def test_hidden_chunks_are_not_seen_by_the_caller(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = StreamProxy(FakeStream(ITEMS), start(emitter), CountingAccumulator(hide_usage=True))
    assert list(proxy) == ["a", "b", "c"]
    assert telemetry.span().attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 5


def exit_by_break_in_with(proxy: Any) -> None:
    with proxy as stream:
        for _ in stream:
            break


def exit_by_close(proxy: Any) -> None:
    next(proxy)
    proxy.close()


def exit_by_gc(proxy: Any) -> None:
    next(proxy)


@pytest.mark.parametrize("leave", [exit_by_break_in_with, exit_by_close, exit_by_gc])
def test_early_exits_end_once(emitter: Emitter, telemetry: Telemetry, leave: Any) -> None:
    raw = FakeStream(ITEMS)
    proxy = StreamProxy(raw, start(emitter), CountingAccumulator())
    leave(proxy)
    del proxy
    gc.collect()
    span = telemetry.span()
    assert span.status.status_code == StatusCode.UNSET
    assert span.attributes[n.LLMLENS_STREAM_END] in ("closed", "abandoned")
    assert span.attributes[n.LLMLENS_USAGE_UNAVAILABLE] is True
    assert telemetry.histogram_count(n.METRIC_OPERATION_DURATION) == 1


def test_close_reaches_the_sdk_stream(emitter: Emitter) -> None:
    raw = FakeStream(ITEMS)
    proxy = StreamProxy(raw, start(emitter), CountingAccumulator())
    with proxy:
        next(proxy)
    assert raw.closed


def test_error_mid_stream(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = StreamProxy(FakeStream(ITEMS, fail_at=2), start(emitter), CountingAccumulator())
    seen = []
    with pytest.raises(ConnectionError, match="peer closed"):
        for item in proxy:
            seen.append(item)
    assert seen == ["a", "b"]
    span = telemetry.span()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == "ConnectionError"
    assert span.attributes[n.LLMLENS_STREAM_END] == "error"
    del proxy
    gc.collect()
    assert len(telemetry.spans()) == 1


def test_exception_in_user_code_inside_with(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = StreamProxy(FakeStream(ITEMS), start(emitter), CountingAccumulator())
    with pytest.raises(KeyError):
        with proxy:
            next(proxy)
            raise KeyError("user bug")
    assert telemetry.span().attributes[n.ERROR_TYPE] == "KeyError"


def test_a_broken_accumulator_never_reaches_the_caller(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    class Broken:
        def add(self, chunk: Any) -> None:
            raise ValueError("adapter bug")

        def response(self) -> Response:
            raise ValueError("adapter bug")

    proxy = StreamProxy(FakeStream(ITEMS), start(emitter), Broken())
    assert list(proxy) == ITEMS
    assert len(telemetry.spans()) == 1


async def test_async_full_consumption(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = AsyncStreamProxy(FakeAsyncStream(ITEMS), start(emitter), CountingAccumulator())
    assert isinstance(proxy, FakeAsyncStream)
    assert [item async for item in proxy] == ITEMS
    assert telemetry.span().attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 3


async def test_async_break_in_async_with(emitter: Emitter, telemetry: Telemetry) -> None:
    raw = FakeAsyncStream(ITEMS)
    async with AsyncStreamProxy(raw, start(emitter), CountingAccumulator()) as stream:
        async for _ in stream:
            break
    assert raw.closed
    assert telemetry.span().attributes[n.LLMLENS_STREAM_END] == "closed"


async def test_async_close_and_aclose(emitter: Emitter, telemetry: Telemetry) -> None:
    for method in ("close", "aclose"):
        raw = FakeAsyncStream(ITEMS)
        proxy = AsyncStreamProxy(raw, start(emitter), CountingAccumulator())
        await proxy.__anext__()
        await getattr(proxy, method)()
        assert raw.closed
    assert len(telemetry.spans()) == 2


async def test_async_error_mid_stream(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = AsyncStreamProxy(FakeAsyncStream(ITEMS, fail_at=1), start(emitter),
                             CountingAccumulator())
    with pytest.raises(ConnectionError):
        async for _ in proxy:
            pass
    assert telemetry.span().attributes[n.ERROR_TYPE] == "ConnectionError"


async def test_async_cancellation(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = AsyncStreamProxy(FakeAsyncStream(ITEMS, delay=0.05), start(emitter),
                             CountingAccumulator())

    async def consume() -> None:
        async for _ in proxy:
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.07)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    span = telemetry.span()
    assert span.attributes[n.LLMLENS_STREAM_END] == "cancelled"
    assert span.attributes[n.ERROR_TYPE] == "CancelledError"


async def test_async_gc(emitter: Emitter, telemetry: Telemetry) -> None:
    proxy = AsyncStreamProxy(FakeAsyncStream(ITEMS), start(emitter), CountingAccumulator())
    await proxy.__anext__()
    del proxy
    gc.collect()
    assert telemetry.span().attributes[n.LLMLENS_STREAM_END] == "abandoned"


@pytest.mark.parametrize(("mode", "points"), [
    ("per_chunk", 3), ("per_stream", 1), ("off", 0), ("bogus", 3),
])
def test_chunk_metric_modes(
    monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry, mode: str, points: int,
) -> None:
    monkeypatch.setenv("LLMLENS_CHUNK_METRIC", mode)
    emitter = Emitter("t", **telemetry.providers())
    list(StreamProxy(FakeStream(ITEMS), start(emitter), CountingAccumulator()))
    assert telemetry.histogram_count(n.METRIC_TIME_PER_OUTPUT_CHUNK) == points
    assert telemetry.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1

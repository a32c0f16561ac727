"""Stream proxies that end their call exactly once.

Every instrumentor returns its SDK's stream wrapped in one of these. The
proxy is transparent (``isinstance`` against the SDK's stream class holds,
every attribute and method is the SDK's), notes chunk timing, feeds each
chunk to the adapter's accumulator, and ends the call on whatever comes
first: the end of the stream, an error in it, ``close()``, leaving a
``with`` block, cancellation, or garbage collection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import wrapt

from llmlens_semconv.emitter import Call
from llmlens_semconv.records import Response
from llmlens_semconv.safety import log_once

_log = logging.getLogger(__name__)

END_COMPLETED = "completed"
END_CLOSED = "closed"
END_ABANDONED = "abandoned"
END_ERROR = "error"
END_CANCELLED = "cancelled"


class Accumulator(Protocol):
    """What an adapter gives a stream proxy: it folds chunks into a response."""

    def add(self, chunk: Any) -> bool | None:
        """Take one chunk; return True to hide it from the caller."""

    def response(self) -> Response | None:
        """The response assembled so far (also called for partial streams)."""


def _finish(call: Call, acc: Accumulator, reason: str) -> None:
    if call.ended:
        return
    try:
        response = acc.response()
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "stream.response")
        response = None
    call.finish(response, end_reason=reason)


def _fail(call: Call, acc: Accumulator, exc: BaseException) -> None:
    if call.ended:
        return
    try:
        response = acc.response()
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "stream.response")
        response = None
    reason = END_CANCELLED if isinstance(exc, asyncio.CancelledError) else END_ERROR
    # An accumulator may name the error itself (e.g. the API's error type of
    # an error event inside the stream); optional, so older adapters still fit.
    error_type = None
    classify = getattr(acc, "error_type", None)
    if classify is not None:
        try:
            error_type = classify(exc)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "stream.error_type")
    call.fail(exc, error_type=error_type, response=response, end_reason=reason)


class StreamProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """A synchronous stream (iterator) that ends its call exactly once."""

    def __init__(self, wrapped: Any, call: Call, accumulator: Accumulator) -> None:
        super().__init__(wrapped)
        self._self_call = call
        self._self_acc = accumulator
        self._self_iter: Any = None

    def __iter__(self) -> StreamProxy:
        return self

    def __next__(self) -> Any:
        it = self._self_iter
        if it is None:
            it = self._self_iter = iter(self.__wrapped__)
        call, acc = self._self_call, self._self_acc
        while True:
            try:
                item = next(it)
            except StopIteration:
                _finish(call, acc, END_COMPLETED)
                raise
            except BaseException as exc:
                _fail(call, acc, exc)
                raise
            # runs once per chunk: kept inline
            try:
                hidden = acc.add(item)
            except Exception:  # noqa: BLE001 - fail open
                log_once(_log, "stream.add")
                hidden = False
            if not hidden:
                call.chunk()
                return item

    def __enter__(self) -> StreamProxy:
        enter = getattr(self.__wrapped__, "__enter__", None)
        if enter is not None:
            enter()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        try:
            leave = getattr(self.__wrapped__, "__exit__", None)
            return leave(exc_type, exc, tb) if leave is not None else None
        finally:
            if exc is not None:
                _fail(self._self_call, self._self_acc, exc)
            else:
                _finish(self._self_call, self._self_acc, END_CLOSED)

    def close(self) -> Any:
        try:
            return self.__wrapped__.close()
        finally:
            _finish(self._self_call, self._self_acc, END_CLOSED)

    def __del__(self) -> None:
        try:
            _finish(self._self_call, self._self_acc, END_ABANDONED)
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass


class AsyncStreamProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """An asynchronous stream that ends its call exactly once."""

    def __init__(self, wrapped: Any, call: Call, accumulator: Accumulator) -> None:
        super().__init__(wrapped)
        self._self_call = call
        self._self_acc = accumulator
        self._self_iter: Any = None

    def __aiter__(self) -> AsyncStreamProxy:
        return self

    async def __anext__(self) -> Any:
        it = self._self_iter
        if it is None:
            it = self._self_iter = self.__wrapped__.__aiter__()
        call, acc = self._self_call, self._self_acc
        while True:
            try:
                item = await it.__anext__()
            except StopAsyncIteration:
                _finish(call, acc, END_COMPLETED)
                raise
            except BaseException as exc:
                _fail(call, acc, exc)
                raise
            # runs once per chunk: kept inline
            try:
                hidden = acc.add(item)
            except Exception:  # noqa: BLE001 - fail open
                log_once(_log, "stream.add")
                hidden = False
            if not hidden:
                call.chunk()
                return item

    async def __aenter__(self) -> AsyncStreamProxy:
        enter = getattr(self.__wrapped__, "__aenter__", None)
        if enter is not None:
            await enter()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        try:
            leave = getattr(self.__wrapped__, "__aexit__", None)
            return await leave(exc_type, exc, tb) if leave is not None else None
        finally:
            if exc is not None:
                _fail(self._self_call, self._self_acc, exc)
            else:
                _finish(self._self_call, self._self_acc, END_CLOSED)

    async def close(self) -> Any:
        try:
            result = self.__wrapped__.close()
            if asyncio.iscoroutine(result):
                result = await result
            return result
        finally:
            _finish(self._self_call, self._self_acc, END_CLOSED)

    async def aclose(self) -> Any:
        closer = getattr(self.__wrapped__, "aclose", None) or self.__wrapped__.close
        try:
            result = closer()
            if asyncio.iscoroutine(result):
                result = await result
            return result
        finally:
            _finish(self._self_call, self._self_acc, END_CLOSED)

    def __del__(self) -> None:
        try:
            _finish(self._self_call, self._self_acc, END_ABANDONED)
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass

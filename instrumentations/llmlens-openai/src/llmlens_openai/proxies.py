"""Transparent proxies for what an SDK call returns when it is not a plain
model: raw responses (``with_raw_response``), unread responses
(``with_streaming_response``) and helper stream managers (``.stream()``).

Each keeps ``isinstance`` with the SDK's class and hands every attribute to
the SDK object; it only sees the moments where the call's outcome becomes
known, and ends the call exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import wrapt

from llmlens_openai.state import HELPER_SLOT
from llmlens_semconv import Call
from llmlens_semconv.safety import log_once

_log = logging.getLogger(__name__)

# parsed result -> the object handed to the caller (a stream proxy for streams)
Settle = Callable[[Call, Any], Any]


class _ResponseProxyBase(wrapt.ObjectProxy):  # type: ignore[misc]
    def __init__(self, wrapped: Any, call: Call, settle: Settle) -> None:
        super().__init__(wrapped)
        self._self_call = call
        self._self_settle = settle
        self._self_handed: dict[int, Any] = {}

    def _self_after_parse(self, parsed: Any) -> Any:
        key = id(parsed)
        if key in self._self_handed:
            return self._self_handed[key][1]
        if self._self_call.ended and not self._self_handed:
            return parsed
        try:
            handed = self._self_settle(self._self_call, parsed)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "openai.response.parse")
            self._self_call.finish()
            handed = parsed
        # keep the parsed object alive with its proxy so ids stay unique
        self._self_handed[key] = (parsed, handed)
        return handed

    def _self_streams(self) -> list[Any]:
        return [h for p, h in self._self_handed.values() if h is not p]

    def __del__(self) -> None:
        try:
            if not self._self_streams():
                self._self_call.finish(end_reason="abandoned")
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass


class RawResponseProxy(_ResponseProxyBase):
    """A streamed ``LegacyAPIResponse``: ``parse()`` gives the stream, which
    we hand out wrapped (the same proxy on every call)."""

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        return self._self_after_parse(self.__wrapped__.parse(*args, **kwargs))


class StreamedResponseProxy(_ResponseProxyBase):
    """An ``APIResponse`` from ``with_streaming_response``: the body is read
    after the call returned; the call ends on ``parse()`` or ``close()``."""

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        return self._self_after_parse(self.__wrapped__.parse(*args, **kwargs))

    def close(self) -> Any:
        try:
            return self.__wrapped__.close()
        finally:
            self._self_closed()

    def _self_closed(self) -> None:
        try:
            for stream in self._self_streams():
                stream.close()
            if not self._self_call.ended and not self._self_call.request.stream:
                # the caller read the body another way (json(), text()):
                # parse the bytes already in memory for the response fields
                if getattr(self.__wrapped__.http_response, "_content", None) is not None:
                    self._self_after_parse(self.__wrapped__.parse())
            self._self_call.finish(end_reason="closed")
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "openai.response.close")
            self._self_call.finish(end_reason="closed")


class AsyncStreamedResponseProxy(_ResponseProxyBase):
    """An ``AsyncAPIResponse`` from ``with_streaming_response``."""

    async def parse(self, *args: Any, **kwargs: Any) -> Any:
        return self._self_after_parse(await self.__wrapped__.parse(*args, **kwargs))

    async def close(self) -> Any:
        try:
            return await self.__wrapped__.close()
        finally:
            await self._self_closed()

    async def _self_closed(self) -> None:
        try:
            for stream in self._self_streams():
                await stream.close()
            if not self._self_call.ended and not self._self_call.request.stream:
                if getattr(self.__wrapped__.http_response, "_content", None) is not None:
                    self._self_after_parse(await self.__wrapped__.parse())
            self._self_call.finish(end_reason="closed")
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "openai.response.close")
            self._self_call.finish(end_reason="closed")


class StreamManagerProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """``chat.completions.stream(...)`` / ``responses.stream(...)``: the SDK
    opens the stream with ``create(stream=True)`` when the ``with`` block is
    entered; that call's span ends when the block is left."""

    def __init__(self, wrapped: Any) -> None:
        super().__init__(wrapped)
        self._self_stream: Any = None

    def __enter__(self) -> Any:
        slot: list[Any] = []
        token = HELPER_SLOT.set(slot)
        try:
            helper = self.__wrapped__.__enter__()
        finally:
            HELPER_SLOT.reset(token)
            self._self_stream = slot[0] if slot else None
        return HelperStreamProxy(helper, self._self_stream) if self._self_stream else helper

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        try:
            return self.__wrapped__.__exit__(exc_type, exc, tb)
        finally:
            stream, self._self_stream = self._self_stream, None
            if stream is not None:
                try:
                    stream.__exit__(exc_type, exc, tb)
                except Exception:  # noqa: BLE001 - fail open
                    log_once(_log, "openai.stream_manager.exit")


class AsyncStreamManagerProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    def __init__(self, wrapped: Any) -> None:
        super().__init__(wrapped)
        self._self_stream: Any = None

    async def __aenter__(self) -> Any:
        slot: list[Any] = []
        token = HELPER_SLOT.set(slot)
        try:
            helper = await self.__wrapped__.__aenter__()
        finally:
            HELPER_SLOT.reset(token)
            self._self_stream = slot[0] if slot else None
        return AsyncHelperStreamProxy(helper, self._self_stream) if self._self_stream else helper

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        try:
            return await self.__wrapped__.__aexit__(exc_type, exc, tb)
        finally:
            stream, self._self_stream = self._self_stream, None
            if stream is not None:
                try:
                    await stream.__aexit__(exc_type, exc, tb)
                except Exception:  # noqa: BLE001 - fail open
                    log_once(_log, "openai.stream_manager.exit")


class HelperStreamProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """The SDK's helper stream (``ChatCompletionStream``, ``ResponseStream``):
    its ``close()`` closes the HTTP response directly, so the call is ended
    here too. Everything else is the SDK object's own."""

    def __init__(self, wrapped: Any, stream: Any) -> None:
        super().__init__(wrapped)
        self._self_stream = stream

    def __iter__(self) -> Any:
        return self.__wrapped__.__iter__()

    def __next__(self) -> Any:
        return self.__wrapped__.__next__()

    def __enter__(self) -> Any:
        self.__wrapped__.__enter__()
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        try:
            return self.__wrapped__.__exit__(exc_type, exc, tb)
        finally:
            _quietly(self._self_stream.__exit__, exc_type, exc, tb)

    def close(self) -> Any:
        try:
            return self.__wrapped__.close()
        finally:
            _quietly(self._self_stream.close)


class AsyncHelperStreamProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    def __init__(self, wrapped: Any, stream: Any) -> None:
        super().__init__(wrapped)
        self._self_stream = stream

    def __aiter__(self) -> Any:
        return self.__wrapped__.__aiter__()

    async def __anext__(self) -> Any:
        return await self.__wrapped__.__anext__()

    async def __aenter__(self) -> Any:
        await self.__wrapped__.__aenter__()
        return self

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        try:
            return await self.__wrapped__.__aexit__(exc_type, exc, tb)
        finally:
            await _quietly_async(self._self_stream.__aexit__(exc_type, exc, tb))

    async def close(self) -> Any:
        try:
            return await self.__wrapped__.close()
        finally:
            await _quietly_async(self._self_stream.close())


def _quietly(func: Callable[..., Any], *args: Any) -> None:
    try:
        func(*args)
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "openai.helper_stream.close")


async def _quietly_async(awaitable: Any) -> None:
    try:
        await awaitable
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "openai.helper_stream.close")

"""Transparent proxies for what the SDK hands back when the call outlives the
method: raw responses (``with_raw_response`` / ``with_streaming_response``)
and the ``messages.stream()`` manager. Each ends its call exactly once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import wrapt

from llmlens_anthropic import mapping
from llmlens_anthropic.accumulator import MessageAccumulator
from llmlens_semconv import Call
from llmlens_semconv.safety import log_once
from llmlens_semconv.streams import (
    END_ABANDONED,
    END_CLOSED,
    AsyncStreamProxy,
    StreamProxy,
)

_log = logging.getLogger(__name__)

# what to do with a parsed result: returns the object the caller gets
OnParsed = Callable[[Any], Any]


def end_from_http(call: Call, raw: Any, *, capture: bool, reason: str) -> None:
    """End a call whose raw response was never parsed: from the JSON body when
    it has been read, else with what the request said."""
    if call.ended:
        return
    response = None
    try:
        http = getattr(raw, "http_response", None)
        if http is not None and getattr(http, "is_closed", False) and getattr(
                http, "is_stream_consumed", True):
            content_type = http.headers.get("content-type", "")
            if "json" in content_type:
                response = mapping.message_response(http.json(), capture=capture)
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "raw.end_from_http")
    call.finish(response, end_reason=reason)


class RawResponseProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """A synchronous ``APIResponse``/``LegacyAPIResponse``."""

    def __init__(self, wrapped: Any, call: Call, on_parsed: OnParsed, capture: bool) -> None:
        super().__init__(wrapped)
        self._self_call = call
        self._self_on_parsed = on_parsed
        self._self_capture = capture
        self._self_parsed: dict[Any, Any] = {}

    def parse(self, *args: Any, **kwargs: Any) -> Any:
        try:
            parsed = self.__wrapped__.parse(*args, **kwargs)
        except BaseException as exc:
            self._self_call.fail(exc, error_type=mapping.error_type(exc))
            raise
        return _hand_over(self, parsed, kwargs.get("to"))

    def close(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self.__wrapped__.close(*args, **kwargs)
        finally:
            end_from_http(self._self_call, self.__wrapped__, capture=self._self_capture,
                          reason=END_CLOSED)

    def __del__(self) -> None:
        try:
            end_from_http(self._self_call, self.__wrapped__, capture=self._self_capture,
                          reason=END_ABANDONED)
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass


class AsyncRawResponseProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """An ``AsyncAPIResponse``."""

    def __init__(self, wrapped: Any, call: Call, on_parsed: OnParsed, capture: bool) -> None:
        super().__init__(wrapped)
        self._self_call = call
        self._self_on_parsed = on_parsed
        self._self_capture = capture
        self._self_parsed: dict[Any, Any] = {}

    async def parse(self, *args: Any, **kwargs: Any) -> Any:
        try:
            parsed = await self.__wrapped__.parse(*args, **kwargs)
        except BaseException as exc:
            self._self_call.fail(exc, error_type=mapping.error_type(exc))
            raise
        return _hand_over(self, parsed, kwargs.get("to"))

    async def close(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self.__wrapped__.close(*args, **kwargs)
        finally:
            end_from_http(self._self_call, self.__wrapped__, capture=self._self_capture,
                          reason=END_CLOSED)

    def __del__(self) -> None:
        try:
            end_from_http(self._self_call, self.__wrapped__, capture=self._self_capture,
                          reason=END_ABANDONED)
        except Exception:  # noqa: BLE001 - never raise from a finalizer
            pass


def _hand_over(proxy: Any, parsed: Any, to: Any) -> Any:
    """The parsed result for the caller: the same object each time it is asked
    for (a stream is wrapped once)."""
    cache = proxy._self_parsed
    key = to
    try:
        if key in cache:
            return cache[key]
        result = proxy._self_on_parsed(parsed)
        cache[key] = result
        return result
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "raw.parse")
        call = proxy._self_call
        if not call.ended:
            call.finish(None)
        return parsed


# --- messages.stream() ---------------------------------------------------------

StartCall = Callable[[], "tuple[Call | None, Any]"]


def _attach_accumulator(
    stream: Any, call: Call, capture: bool, is_async: bool,
) -> MessageAccumulator | None:
    """Put our stream proxy under the SDK's ``MessageStream``: its helpers
    (``text_stream``, ``get_final_message``, ``until_done``) read from it."""
    raw = getattr(stream, "_raw_stream", None)
    if raw is None or isinstance(raw, (StreamProxy, AsyncStreamProxy)):
        return None
    acc = MessageAccumulator(capture=capture)
    proxy_cls = AsyncStreamProxy if is_async else StreamProxy
    stream._raw_stream = proxy_cls(raw, call, acc)
    return acc


class _StreamManagerProxy(wrapt.ObjectProxy):  # type: ignore[misc]
    """What the sync and async stream manager proxies share: the call they
    start on entering, and the accumulator put under the entered stream."""

    def __init__(self, wrapped: Any, start: StartCall, capture: bool) -> None:
        super().__init__(wrapped)
        self._self_start = start
        self._self_capture = capture
        self._self_call: Call | None = None
        self._self_acc: MessageAccumulator | None = None

    def _self_entered(self, stream: Any, *, is_async: bool) -> None:
        call = self._self_call
        if call is None:
            return
        try:
            self._self_acc = _attach_accumulator(
                stream, call, self._self_capture, is_async=is_async)
            if self._self_acc is None:
                log_once(_log, "stream_manager.no_raw_stream")
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "stream_manager.enter")

    def _self_failed(self, exc: BaseException) -> None:
        if self._self_call is not None:
            self._self_call.fail(exc, error_type=mapping.error_type(exc))


class MessageStreamManagerProxy(_StreamManagerProxy):
    """``MessageStreamManager``: the request starts on ``__enter__``."""

    def __enter__(self) -> Any:
        self._self_call, token = self._self_start()
        try:
            stream = self.__wrapped__.__enter__()
        except BaseException as exc:
            self._self_failed(exc)
            raise
        finally:
            _detach(token)
        self._self_entered(stream, is_async=False)
        return stream

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        if exc is not None:  # before the SDK closes the stream, which would end it as closed
            _end_managed(self._self_call, self._self_acc, exc)
        try:
            return self.__wrapped__.__exit__(exc_type, exc, tb)
        finally:
            _end_managed(self._self_call, self._self_acc, None)


class AsyncMessageStreamManagerProxy(_StreamManagerProxy):
    """``AsyncMessageStreamManager``: the request starts on ``__aenter__``."""

    async def __aenter__(self) -> Any:
        self._self_call, token = self._self_start()
        try:
            stream = await self.__wrapped__.__aenter__()
        except BaseException as exc:
            self._self_failed(exc)
            raise
        finally:
            _detach(token)
        self._self_entered(stream, is_async=True)
        return stream

    async def __aexit__(self, exc_type: Any, exc: Any, tb: Any) -> Any:
        if exc is not None:  # before the SDK closes the stream, which would end it as closed
            _end_managed(self._self_call, self._self_acc, exc)
        try:
            return await self.__wrapped__.__aexit__(exc_type, exc, tb)
        finally:
            _end_managed(self._self_call, self._self_acc, None)


def _end_managed(
    call: Call | None, acc: MessageAccumulator | None, exc: BaseException | None,
) -> None:
    """Leaving the manager's ``with`` ends a call the stream did not end."""
    if call is None or call.ended:
        return
    response = None
    if acc is not None:
        try:
            response = acc.response()
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "stream_manager.response")
    if exc is not None:
        call.fail(exc, error_type=mapping.error_type(exc), response=response, end_reason="error")
    else:
        call.finish(response, end_reason=END_CLOSED)


def _detach(token: Any) -> None:
    if token is None:
        return
    from opentelemetry import context as otel_context

    try:
        otel_context.detach(token)
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "context.detach")

"""The wrapt wrappers around the SDK's resource methods.

Each one: start a call from the arguments, run the SDK method with our span
current (and the SDK's own call span stood down), then hand the result back
untouched, or in a transparent proxy that ends the call later. Any failure
of ours is logged once and the SDK call goes on as if we were not there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from opentelemetry import context as otel_context

from llmlens_anthropic import mapping, native
from llmlens_anthropic.accumulator import MessageAccumulator
from llmlens_anthropic.proxies import (
    AsyncMessageStreamManagerProxy,
    AsyncRawResponseProxy,
    MessageStreamManagerProxy,
    RawResponseProxy,
    _detach,
    end_from_http,
)
from llmlens_semconv import Call, Emitter
from llmlens_semconv.safety import log_once
from llmlens_semconv.streams import END_CLOSED, AsyncStreamProxy, StreamProxy

_log = logging.getLogger(__name__)


class SdkTypes:
    """Classes of the installed SDK, looked up once in ``_instrument``."""

    def __init__(self, stream: type, async_stream: type, raw: tuple[type, ...],
                 native_tracing: bool = False) -> None:
        self.stream = stream
        self.async_stream = async_stream
        self.raw = raw
        # the SDK traces its own calls (anthropic 2.x)
        self.native_tracing = native_tracing


class Adapter:
    def __init__(self, emitter: Emitter, sdk: SdkTypes) -> None:
        self.emitter = emitter
        self.sdk = sdk

    # --- starting --------------------------------------------------------------

    def _activate(self, call: Call, client: Any) -> Any:
        """Make our span current for the SDK call (so the SDK's own call span
        stands down and its requests carry our context), unless the user
        asked for the SDK's spans: then the SDK runs in the caller's context
        exactly as without llmlens, and our span is a sibling of its span."""
        if self.sdk.native_tracing and native.client_requests_spans(client):
            return None
        ctx = otel_context.set_value(native.SUPPRESS_KEY, True, call.context())
        return otel_context.attach(ctx)

    def start_chat(self, instance: Any, kwargs: Mapping[str, Any], *, stream: bool) -> Any:
        """(call, context token), or (None, None) if anything of ours failed."""
        try:
            client = instance._client
            request = mapping.chat_request(
                client, kwargs, stream=stream, capture=self.emitter.content.enabled)
            call = self.emitter.start(request)
            return call, self._activate(call, client)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "start_chat")
            return None, None

    def start_method(self, instance: Any, span_name: str, kwargs: Mapping[str, Any]) -> Any:
        try:
            client = instance._client
            call = self.emitter.start(mapping.method_request(client, span_name, kwargs))
            return call, self._activate(call, client)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "start_method")
            return None, None

    # --- results ---------------------------------------------------------------

    @property
    def capture(self) -> bool:
        return self.emitter.content.enabled

    def chat_result(self, call: Call, result: Any, *, is_async: bool) -> Any:
        """What the caller gets for a Messages call; ends ``call`` now or later."""
        try:
            capture = self.capture
            if isinstance(result, self.sdk.stream):
                return StreamProxy(result, call, MessageAccumulator(capture=capture))
            if isinstance(result, self.sdk.async_stream):
                return AsyncStreamProxy(result, call, MessageAccumulator(capture=capture))
            if isinstance(result, self.sdk.raw):
                return self._raw_result(call, result, chat=True)
            call.finish(mapping.message_response(result, capture=capture))
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "chat_result")
            if not call.ended:
                call.finish(None)
        return result

    def _raw_result(self, call: Call, raw: Any, *, chat: bool) -> Any:
        capture = self.capture
        http = getattr(raw, "http_response", None)
        # A streamed call's body may already be buffered (a transport that
        # hands the whole body over at once): it is still read as a stream.
        body_read = (http is not None and getattr(http, "is_closed", False)
                     and not call.request.stream)
        if body_read:
            # the whole body is here (``with_raw_response`` of a non-streamed
            # call): the call is over, whether or not the caller parses it
            if not chat:
                call.finish(None)
                return raw
            if _has_async_parse(raw):  # can't await here: read the JSON body
                end_from_http(call, raw, capture=capture, reason="completed")
                return raw
            try:
                # the SDK caches what parse() returns, so the caller's own
                # parse() later costs nothing and gives the same object
                call.finish(mapping.message_response(raw.parse(), capture=capture))
            except Exception:  # noqa: BLE001 - the caller's parse() will say what is wrong
                end_from_http(call, raw, capture=capture, reason="completed")
            return raw

        def on_parsed(parsed: Any) -> Any:
            if isinstance(parsed, self.sdk.stream) and chat:
                return StreamProxy(parsed, call, MessageAccumulator(capture=capture))
            if isinstance(parsed, self.sdk.async_stream) and chat:
                return AsyncStreamProxy(parsed, call, MessageAccumulator(capture=capture))
            if chat and not call.ended:
                call.finish(mapping.message_response(parsed, capture=capture))
            elif not call.ended:
                call.finish(None)
            return parsed

        proxy_cls = AsyncRawResponseProxy if _has_async_parse(raw) else RawResponseProxy
        return proxy_cls(raw, call, on_parsed, capture if chat else False)

    def method_result(self, call: Call, result: Any) -> Any:
        try:
            if isinstance(result, self.sdk.raw):
                return self._raw_result(call, result, chat=False)
            call.finish(None)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "method_result")
            if not call.ended:
                call.finish(None)
        return result

    # --- the wrappers ------------------------------------------------------------

    def create(self, wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        call, token = self.start_chat(instance, kwargs, stream=kwargs.get("stream") is True)
        if call is None:
            return wrapped(*args, **kwargs)
        try:
            result = wrapped(*args, **kwargs)
        except BaseException as exc:
            call.fail(exc, error_type=mapping.error_type(exc))
            raise
        finally:
            _detach(token)
        return self.chat_result(call, result, is_async=False)

    async def acreate(self, wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        call, token = self.start_chat(instance, kwargs, stream=kwargs.get("stream") is True)
        if call is None:
            return await wrapped(*args, **kwargs)
        try:
            result = await wrapped(*args, **kwargs)
        except BaseException as exc:
            call.fail(exc, error_type=mapping.error_type(exc))
            raise
        finally:
            _detach(token)
        return self.chat_result(call, result, is_async=True)

    def stream(self, wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
        manager = wrapped(*args, **kwargs)
        try:
            def start() -> Any:
                return self.start_chat(instance, kwargs, stream=True)

            if hasattr(manager, "__aenter__") and not hasattr(manager, "__enter__"):
                return AsyncMessageStreamManagerProxy(manager, start, self.capture)
            return MessageStreamManagerProxy(manager, start, self.capture)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "stream")
            return manager

    def method(self, span_name: str) -> Any:
        def wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            call, token = self.start_method(instance, span_name, kwargs)
            if call is None:
                return wrapped(*args, **kwargs)
            try:
                result = wrapped(*args, **kwargs)
            except BaseException as exc:
                call.fail(exc, error_type=mapping.error_type(exc))
                raise
            finally:
                _detach(token)
            return self.method_result(call, result)

        return wrapper

    def amethod(self, span_name: str) -> Any:
        async def wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            call, token = self.start_method(instance, span_name, kwargs)
            if call is None:
                return await wrapped(*args, **kwargs)
            try:
                result = await wrapped(*args, **kwargs)
            except BaseException as exc:
                call.fail(exc, error_type=mapping.error_type(exc))
                raise
            finally:
                _detach(token)
            return self.method_result(call, result)

        return wrapper


_async_parse_by_class: dict[type, bool] = {}


def _has_async_parse(raw: Any) -> bool:
    import inspect

    cls = type(raw)
    known = _async_parse_by_class.get(cls)
    if known is None:
        known = inspect.iscoroutinefunction(getattr(cls, "parse", None))
        _async_parse_by_class[cls] = known
    return known


__all__ = ["END_CLOSED", "Adapter", "SdkTypes"]

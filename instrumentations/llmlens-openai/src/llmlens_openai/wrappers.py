"""The wrapt wrappers around the SDK's resource methods.

A wrapper maps the arguments to a ``Request``, starts the call, runs the
SDK method with the call's span current, and settles what comes back: a
model ends the call, a stream is handed out in a proxy that ends it later.
Our own failures are logged once and the SDK call goes on untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from opentelemetry import context as otel_context

from llmlens_openai import requests, results
from llmlens_openai.accumulators import ChatChunks, ResponseEvents
from llmlens_openai.proxies import (
    AsyncStreamedResponseProxy,
    AsyncStreamManagerProxy,
    RawResponseProxy,
    StreamedResponseProxy,
    StreamManagerProxy,
)
from llmlens_openai.state import HELPER_SLOT, IN_CALL, State
from llmlens_openai.stream_usage import add_usage_request
from llmlens_semconv import Call
from llmlens_semconv.safety import log_once
from llmlens_semconv.streams import AsyncStreamProxy, StreamProxy

_log = logging.getLogger(__name__)

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]


class _Started:
    __slots__ = ("call", "hide_usage_chunk", "kwargs")

    def __init__(self, call: Call, kwargs: dict[str, Any], hide_usage_chunk: bool) -> None:
        self.call = call
        self.kwargs = kwargs
        self.hide_usage_chunk = hide_usage_chunk


def _begin(state: State, kind: str, instance: Any, kwargs: dict[str, Any]) -> _Started | None:
    try:
        capture = state.emitter.content.enabled
        hide = False
        if state.stream_usage and kind in (requests.CHAT, requests.COMPLETIONS):
            changed = add_usage_request(kwargs)
            if changed is not None:
                kwargs, hide = changed, True
        request = requests.BUILDERS[kind](instance, kwargs, capture)
        return _Started(state.emitter.start(request), kwargs, hide)
    except Exception:  # noqa: BLE001 - fail open: the call goes on without telemetry
        log_once(_log, f"openai.{kind}.start")
        return None


def _accumulator(kind: str, capture: bool, hide: bool) -> Any:
    if kind == requests.RESPONSES:
        return ResponseEvents(capture=capture)
    return ChatChunks(capture=capture, hide_usage_chunk=hide,
                      legacy=kind == requests.COMPLETIONS)


def _settle(state: State, kind: str, started: _Started, result: Any) -> Any:
    """End the call from a result, or hand the result out in a proxy that
    will. Returns what the caller gets."""
    call = started.call
    try:
        sdk = state.sdk
        capture = state.emitter.content.enabled
        hide = started.hide_usage_chunk
        if not isinstance(result, sdk.response_wrappers):
            return _settle_parsed(kind, call, result, capture, hide, sdk)

        def settle_parsed(call: Call, parsed: Any) -> Any:
            return _settle_parsed(kind, call, parsed, capture, hide, sdk)

        if isinstance(result, sdk.legacy_response):
            if call.request.stream:
                return RawResponseProxy(result, call, settle_parsed)
            # with_raw_response: the body is read; parsing is cached by the
            # SDK, so the caller's own parse() returns this same object
            try:
                parsed = result.parse()
            except Exception:  # noqa: BLE001 - the caller's parse() will say why
                call.finish()
                return result
            settle_parsed(call, parsed)
            return result
        if isinstance(result, sdk.api_response):
            return StreamedResponseProxy(result, call, settle_parsed)
        return AsyncStreamedResponseProxy(result, call, settle_parsed)
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, f"openai.{kind}.settle")
        call.finish()
        return result


def _settle_parsed(
    kind: str, call: Call, parsed: Any, capture: bool, hide: bool, sdk: Any,
) -> Any:
    if isinstance(parsed, sdk.stream) or isinstance(parsed, sdk.async_stream):
        acc = _accumulator(kind, capture, hide)
        if isinstance(parsed, sdk.stream):
            proxy: Any = StreamProxy(parsed, call, acc)
        else:
            proxy = AsyncStreamProxy(parsed, call, acc)
        slot = HELPER_SLOT.get()
        if slot is not None:
            slot.append(proxy)
        return proxy
    call.finish(results.BUILDERS[kind](parsed, capture))
    return parsed


def sync_call(state: State, kind: str) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        if not state.active or IN_CALL.get():
            return wrapped(*args, **kwargs)
        started = _begin(state, kind, instance, kwargs)
        if started is None:
            return wrapped(*args, **kwargs)
        in_call = IN_CALL.set(True)
        active = otel_context.attach(started.call.context())
        try:
            result = wrapped(*args, **started.kwargs)
        except BaseException as exc:
            started.call.fail(exc)
            raise
        finally:
            otel_context.detach(active)
            IN_CALL.reset(in_call)
        return _settle(state, kind, started, result)

    return wrapper


def async_call(state: State, kind: str) -> Wrapper:
    async def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                      kwargs: dict[str, Any]) -> Any:
        if not state.active or IN_CALL.get():
            return await wrapped(*args, **kwargs)
        started = _begin(state, kind, instance, kwargs)
        if started is None:
            return await wrapped(*args, **kwargs)
        in_call = IN_CALL.set(True)
        active = otel_context.attach(started.call.context())
        try:
            result = await wrapped(*args, **started.kwargs)
        except BaseException as exc:
            started.call.fail(exc)
            raise
        finally:
            otel_context.detach(active)
            IN_CALL.reset(in_call)
        return _settle(state, kind, started, result)

    return wrapper


def stream_manager(state: State, kind: str) -> Wrapper:
    """``.stream(...)`` helpers: no request is made until the manager is
    entered, where the SDK calls the (wrapped) ``create``."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        manager = wrapped(*args, **kwargs)
        if not state.active:
            return manager
        try:
            if hasattr(manager, "__aenter__"):
                return AsyncStreamManagerProxy(manager)
            return StreamManagerProxy(manager)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, f"openai.{kind}.stream_manager")
            return manager

    return wrapper

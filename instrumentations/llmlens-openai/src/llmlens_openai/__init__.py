"""OpenTelemetry GenAI instrumentation for the OpenAI Python SDK.

    from llmlens_openai import OpenAIInstrumentor
    OpenAIInstrumentor().instrument()

or, with no code change, ``opentelemetry-instrument python app.py`` (entry
point ``llmlens_openai``).
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Collection
from types import ModuleType
from typing import Any

import wrapt
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor

from llmlens_openai.package import _instruments
from llmlens_openai.state import SdkTypes, State, stream_usage_from_env
from llmlens_openai.targets import ASYNC_CALL, CALL, TARGETS, Target
from llmlens_openai.version import __version__
from llmlens_semconv import Emitter, lazy

_log = logging.getLogger(__name__)

__all__ = ["OpenAIInstrumentor", "__version__"]


def _factory(flavor: str) -> Any:
    # the wrappers (and the proxies, accumulators and result mapping they
    # use) are imported when the SDK is patched, not at start-up
    from llmlens_openai import wrappers

    if flavor == CALL:
        return wrappers.sync_call
    if flavor == ASYNC_CALL:
        return wrappers.async_call
    return wrappers.stream_manager


class OpenAIInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Spans, metrics and opt-in content for every OpenAI API call."""

    def __init__(self) -> None:
        super().__init__()
        if not hasattr(self, "_wrapped"):
            # BaseInstrumentor is a singleton: keep state across re-inits
            self._wrapped: list[tuple[type, str, Any]] = []
            self._state: State | None = None
            self._pending: list[lazy.Pending] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        emitter = Emitter(
            "llmlens_openai", __version__,
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            logger_provider=kwargs.get("logger_provider"),
        )
        stream_usage = kwargs.get("stream_usage")
        state = State(
            emitter=emitter, sdk=SdkTypes(),
            stream_usage=stream_usage_from_env() if stream_usage is None else bool(stream_usage),
        )
        self._state = state
        # each resource module is patched when the application imports it (at
        # once if it has): the SDK imports its resources lazily, so importing
        # them all here would cost the application what it never uses
        self._pending = []
        modules = dict.fromkeys(target.module for target in TARGETS)
        for name in modules:
            self._pending.append(
                lazy.when_imported(name, functools.partial(self._patch_module, state)))

    def _patch_module(self, state: State, module: ModuleType) -> None:
        if self._state is not state:
            return  # uninstrumented (or instrumented anew) meanwhile
        if not state.sdk_loaded:
            state.sdk = SdkTypes.load()
            state.sdk_loaded = True
        for target in TARGETS:
            if target.module == module.__name__:
                self._wrap(target, state)

    def _wrap(self, target: Target, state: State) -> None:
        try:
            module = importlib.import_module(target.module)
            owner = getattr(module, target.cls, None)
            if owner is None or target.method not in owner.__dict__:
                return  # this SDK version has no such method
            original = owner.__dict__[target.method]
            if isinstance(original, wrapt.FunctionWrapper):
                return  # already wrapped (by us through another path)
            factory = _factory(target.flavor)
            wrapt.wrap_function_wrapper(owner, target.method, factory(state, target.kind))
            self._wrapped.append((owner, target.method, original))
        except Exception:  # noqa: BLE001 - one method failing must not stop the others
            _log.debug("llmlens_openai: could not wrap %s.%s.%s",
                       target.module, target.cls, target.method, exc_info=True)

    def _uninstrument(self, **kwargs: Any) -> None:
        while self._pending:
            self._pending.pop().cancel()
        if self._state is not None:
            # wrappers still held by the SDK (cached with_raw_response
            # helpers) turn into plain pass-throughs
            self._state.active = False
            self._state = None
        for owner, name, original in reversed(self._wrapped):
            try:
                setattr(owner, name, original)
            except Exception:  # noqa: BLE001 - restore as much as we can
                _log.debug("llmlens_openai: could not restore %s", name, exc_info=True)
        self._wrapped.clear()

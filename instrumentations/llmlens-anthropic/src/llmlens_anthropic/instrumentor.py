"""``AnthropicInstrumentor``: patches the SDK's resource methods with wrapt,
each one on its own (a method missing from the installed SDK is skipped),
and puts back exactly what was there on ``uninstrument``."""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Collection
from types import ModuleType
from typing import Any

import wrapt
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from llmlens_anthropic import native
from llmlens_anthropic.package import _instruments
from llmlens_anthropic.version import __version__
from llmlens_semconv import ContentPolicy, Emitter, lazy

_log = logging.getLogger(__name__)

SCOPE = "llmlens_anthropic"

_MESSAGES = "anthropic.resources.messages"
_BETA_MESSAGES = "anthropic.resources.beta.messages"
_BATCHES = "anthropic.resources.messages.batches"
_BATCH_METHODS = ("create", "retrieve", "list", "cancel", "delete", "results")


class AnthropicInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Traces ``messages.create``/``stream``/``parse`` (and their ``beta.``
    twins) as GenAI ``chat`` calls, and ``messages.count_tokens`` and
    ``messages.batches.*`` as spans named after the SDK method."""

    def __init__(self) -> None:
        super().__init__()
        # BaseInstrumentor is a singleton whose __init__ runs on every
        # construction: keep the patches of an earlier instrument()
        if not hasattr(self, "_patches"):
            self._patches: list[tuple[Any, str, bool, Any]] = []
            self._pending: lazy.Pending | None = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        content = kwargs.get("content_policy")
        emitter = Emitter(
            SCOPE, __version__,
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            logger_provider=kwargs.get("logger_provider"),
            content=content if isinstance(content, ContentPolicy) else None,
        )
        native.set_instrumented(True)
        # the SDK is patched when the application imports it (at once if it has)
        self._pending = lazy.when_imported("anthropic", functools.partial(self._patch_sdk, emitter))

    def _patch_sdk(self, emitter: Emitter, anthropic: ModuleType) -> None:
        from anthropic import AsyncStream, Stream

        from llmlens_anthropic.wrappers import Adapter, SdkTypes

        raw_types: list[type] = []
        for module_name, class_names in (
            ("anthropic._response", ("BaseAPIResponse",)),
            ("anthropic._legacy_response", ("LegacyAPIResponse",)),
        ):
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            raw_types.extend(getattr(module, n) for n in class_names if hasattr(module, n))

        base_client = importlib.import_module("anthropic._base_client")
        adapter = Adapter(emitter, SdkTypes(
            Stream, AsyncStream, tuple(raw_types),
            native_tracing=hasattr(base_client, "start_api_call_span")))

        for module, prefix in ((_MESSAGES, ""), (_BETA_MESSAGES, "beta.")):
            self._patch(module, "Messages", "create", adapter.create)
            self._patch(module, "AsyncMessages", "create", adapter.acreate)
            self._patch(module, "Messages", "parse", adapter.create)
            self._patch(module, "AsyncMessages", "parse", adapter.acreate)
            self._patch(module, "Messages", "stream", adapter.stream)
            self._patch(module, "AsyncMessages", "stream", adapter.stream)
            span_name = f"{prefix}messages.count_tokens"
            self._patch(module, "Messages", "count_tokens", adapter.method(span_name))
            self._patch(module, "AsyncMessages", "count_tokens", adapter.amethod(span_name))
        for name in _BATCH_METHODS:
            span_name = f"messages.batches.{name}"
            self._patch(_BATCHES, "Batches", name, adapter.method(span_name))
            if name != "list":  # the async list is a lazy paginator, not a call
                self._patch(_BATCHES, "AsyncBatches", name, adapter.amethod(span_name))

        # the SDK's own tracing (2.x): our span stands in for its call span
        self._patch("anthropic._base_client", None, "start_api_call_span",
                    native.wrap_start_call_span)
        self._patch("anthropic._base_client", "BaseClient", "_set_open_telemetry",
                    native.wrap_set_option)
        self._patch("anthropic._base_client", "BaseClient", "_copy_open_telemetry",
                    native.wrap_copy_option)
        _log.debug("llmlens: instrumented anthropic %s", getattr(anthropic, "__version__", "?"))

    def _patch(
        self, module_name: str, class_name: str | None, attribute: str,
        wrapper: Callable[..., Any],
    ) -> None:
        try:
            owner: Any = importlib.import_module(module_name)
            if class_name is not None:
                owner = getattr(owner, class_name)
            if not hasattr(owner, attribute):
                return  # not in this SDK version
            current = owner.__dict__.get(attribute) if hasattr(owner, "__dict__") else None
            if isinstance(current, wrapt.FunctionWrapper) and getattr(
                    current, "_self_llmlens", False):
                return  # already ours
            had_own = hasattr(owner, "__dict__") and attribute in owner.__dict__
            original = owner.__dict__.get(attribute) if had_own else None
            wrapt.wrap_function_wrapper(owner, attribute, wrapper)
            patched = owner.__dict__.get(attribute)
            if patched is not None:
                patched._self_llmlens = True
            self._patches.append((owner, attribute, had_own, original))
        except Exception:  # noqa: BLE001 - one missing method never stops the rest
            _log.debug("llmlens: could not wrap %s.%s.%s", module_name, class_name, attribute,
                       exc_info=True)

    def _uninstrument(self, **kwargs: Any) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None
        while self._patches:
            owner, attribute, had_own, original = self._patches.pop()
            try:
                if had_own:
                    setattr(owner, attribute, original)
                else:
                    delattr(owner, attribute)
            except Exception:  # noqa: BLE001 - put back what can be put back
                _log.debug("llmlens: could not unwrap %r.%s", owner, attribute, exc_info=True)
        native.set_instrumented(False)

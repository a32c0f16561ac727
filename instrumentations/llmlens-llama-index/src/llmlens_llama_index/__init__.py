"""llmlens instrumentation for LlamaIndex.

A span handler and an event handler on LlamaIndex's root instrumentation
dispatcher turn each query, chat, retrieval, embedding, synthesis,
postprocessing, LLM call, tool call, agent run and workflow run into spans
and metrics through the llmlens-semconv emitter. LLM and embedding calls are
framework calls: when the provider SDK beneath them is instrumented too, its
span nests under theirs and carries the usage, so tokens count once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Collection
from types import ModuleType
from typing import Any

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]

from llmlens_llama_index.package import _instruments
from llmlens_llama_index.version import __version__
from llmlens_semconv import ContentPolicy, Emitter, hooks, lazy

_log = logging.getLogger(__name__)

SCOPE = "llmlens.llama_index"

__all__ = ["SCOPE", "LlamaIndexInstrumentor", "__version__"]


class LlamaIndexInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instrument LlamaIndex through its own instrumentation dispatcher.

    ``instrument()`` accepts ``tracer_provider``, ``meter_provider``,
    ``logger_provider`` and ``content`` (a :class:`ContentPolicy`; read from
    the environment when not given).
    """

    _span_handler: Any = None
    _event_handler: Any = None
    _tracer: Any = None
    _pending: Any = None

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    def _instrument(self, **kwargs: Any) -> None:
        content = kwargs.get("content")
        emitter = Emitter(
            SCOPE, __version__,
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            logger_provider=kwargs.get("logger_provider"),
            content=content if isinstance(content, ContentPolicy) else None,
        )
        # LlamaIndex is hooked when the application imports it (at once if it has)
        type(self)._pending = lazy.when_imported(
            "llama_index.core", functools.partial(self._hook_dispatcher, emitter))

    def _hook_dispatcher(self, emitter: Emitter, module: ModuleType) -> None:
        from llama_index.core.instrumentation import get_dispatcher

        from llmlens_llama_index.handlers import LlmlensEventHandler, LlmlensSpanHandler
        from llmlens_llama_index.tracer import PipelineTracer

        tracer = PipelineTracer(emitter)
        span_handler = LlmlensSpanHandler(tracer)
        event_handler = LlmlensEventHandler(tracer)
        root = get_dispatcher()
        root.add_span_handler(span_handler)
        root.add_event_handler(event_handler)
        hooks.add_call_ended_hook(tracer.provider_call_ended)
        type(self)._tracer = tracer
        type(self)._span_handler = span_handler
        type(self)._event_handler = event_handler

    def _uninstrument(self, **kwargs: Any) -> None:
        cls = type(self)
        if cls._pending is not None:
            cls._pending.cancel()
            cls._pending = None
        if cls._tracer is None:
            return  # LlamaIndex was never imported: nothing was hooked
        from llama_index.core.instrumentation import get_dispatcher

        root = get_dispatcher()
        if cls._tracer is not None:
            hooks.remove_hook(cls._tracer.provider_call_ended)
        # assign new lists: the dispatcher's own add_* methods do the same
        root.span_handlers = [h for h in root.span_handlers if h is not cls._span_handler]
        root.event_handlers = [h for h in root.event_handlers if h is not cls._event_handler]
        cls._span_handler = cls._event_handler = cls._tracer = None

    @classmethod
    def tracer(cls) -> Any:
        """The running pipeline tracer (tests read its tables)."""
        return cls._tracer

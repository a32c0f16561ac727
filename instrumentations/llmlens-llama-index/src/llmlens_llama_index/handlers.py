"""The span handler and event handler registered on LlamaIndex's root
dispatcher. They only forward to the :class:`PipelineTracer`, never raise
(fail open), and keep no state of their own: the base class's span tables
stay empty because ``span_enter``/``span_exit``/``span_drop`` are ours."""

from __future__ import annotations

import logging
from typing import Any

from llama_index.core.instrumentation.event_handlers import BaseEventHandler
from llama_index.core.instrumentation.span_handlers import BaseSpanHandler
from pydantic import PrivateAttr

from llmlens_llama_index.tracer import PipelineTracer
from llmlens_semconv.safety import log_once

_log = logging.getLogger(__name__)


class LlmlensSpanHandler(BaseSpanHandler[Any]):  # type: ignore[type-var]
    _tracer: PipelineTracer = PrivateAttr()

    def __init__(self, tracer: PipelineTracer) -> None:
        super().__init__()
        self._tracer = tracer

    @classmethod
    def class_name(cls) -> str:
        return "LlmlensSpanHandler"

    def span_enter(
        self, id_: str, bound_args: Any, instance: Any = None,
        parent_id: str | None = None, tags: Any = None, **kwargs: Any,
    ) -> None:
        try:
            self._tracer.enter(id_, bound_args, instance, parent_id)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "llama_index.span_enter")

    def span_exit(
        self, id_: str, bound_args: Any, instance: Any = None, result: Any = None, **kwargs: Any,
    ) -> None:
        try:
            self._tracer.exit(id_, result)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "llama_index.span_exit")

    def span_drop(
        self, id_: str, bound_args: Any, instance: Any = None,
        err: BaseException | None = None, **kwargs: Any,
    ) -> None:
        try:
            self._tracer.drop(id_, err)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "llama_index.span_drop")

    # the base class's bookkeeping is not used (see span_enter and friends)
    def new_span(self, *args: Any, **kwargs: Any) -> None:
        return None

    def prepare_to_exit_span(self, *args: Any, **kwargs: Any) -> None:
        return None

    def prepare_to_drop_span(self, *args: Any, **kwargs: Any) -> None:
        return None


class LlmlensEventHandler(BaseEventHandler):
    _tracer: PipelineTracer = PrivateAttr()

    def __init__(self, tracer: PipelineTracer) -> None:
        super().__init__()
        self._tracer = tracer

    @classmethod
    def class_name(cls) -> str:
        return "LlmlensEventHandler"

    def handle(self, event: Any, **kwargs: Any) -> None:
        try:
            self._tracer.event(event)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "llama_index.event")

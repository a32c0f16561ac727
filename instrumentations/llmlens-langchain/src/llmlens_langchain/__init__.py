"""OpenTelemetry GenAI instrumentation for LangChain and LangGraph.

    from llmlens_langchain import LangChainInstrumentor
    LangChainInstrumentor().instrument()

or, with no code change, ``opentelemetry-instrument python app.py`` (entry
point ``llmlens_langchain``). Chains, graph nodes, agents, tools, retrievers,
chat models and LLMs become spans; a chat model backed by an SDK llmlens
also instruments (OpenAI, Anthropic) leaves the usage to the provider span
beneath it, so tokens and cost are counted once.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import wrapt
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor

from llmlens_langchain.package import _instruments
from llmlens_langchain.version import __version__
from llmlens_semconv import Emitter, lazy

_log = logging.getLogger(__name__)

__all__ = ["LangChainInstrumentor", "__version__"]


@dataclass(frozen=True)
class _Target:
    module: str
    cls: str
    method: str
    wrapper: Callable[..., Any]


def _targets(handler: Any) -> list[_Target]:
    from llmlens_langchain import wrappers as w
    from llmlens_langchain.activation import KIND_CHAIN, KIND_LLM, KIND_RETRIEVER, KIND_TOOL

    chat = "langchain_core.language_models.chat_models"
    llms = "langchain_core.language_models.llms"
    runnables = "langchain_core.runnables.base"
    return [
        _Target("langchain_core.callbacks.base", "BaseCallbackManager", "__init__",
                w.add_handler(handler)),
        # model calls: the run's span current around the provider call
        _Target(chat, "BaseChatModel", "_generate_with_cache",
                w.run_current(handler, 2, "run_manager")),
        _Target(chat, "BaseChatModel", "_agenerate_with_cache",
                w.arun_current(handler, 2, "run_manager")),
        _Target(chat, "BaseChatModel", "_iter_v2_events", w.steps_under_run(handler)),
        _Target(chat, "BaseChatModel", "_aiter_v2_events", w.asteps_under_run(handler)),
        _Target(llms, "BaseLLM", "_generate_helper",
                w.run_current(handler, 2, "run_managers", first=True)),
        _Target(llms, "BaseLLM", "_agenerate_helper",
                w.arun_current(handler, 2, "run_managers", first=True)),
        _Target("langchain_core.callbacks.manager", "AsyncCallbackManager",
                "on_chat_model_start", w.adopt_after_start()),
        _Target("langchain_core.callbacks.manager", "AsyncCallbackManager",
                "on_llm_start", w.adopt_after_start()),
        # entry points whose run starts inside them
        _Target(chat, "BaseChatModel", "stream", w.stream_in_slot(KIND_LLM)),
        _Target(chat, "BaseChatModel", "astream", w.astream_in_slot(KIND_LLM)),
        _Target(llms, "BaseLLM", "stream", w.stream_in_slot(KIND_LLM)),
        _Target(llms, "BaseLLM", "astream", w.astream_in_slot(KIND_LLM)),
        _Target("langchain_core.tools.base", "BaseTool", "run", w.in_slot(KIND_TOOL)),
        _Target("langchain_core.tools.base", "BaseTool", "arun", w.ain_slot(KIND_TOOL)),
        _Target("langchain_core.retrievers", "BaseRetriever", "invoke",
                w.in_slot(KIND_RETRIEVER)),
        _Target("langchain_core.retrievers", "BaseRetriever", "ainvoke",
                w.ain_slot(KIND_RETRIEVER)),
        _Target(runnables, "Runnable", "_call_with_config", w.in_slot(KIND_CHAIN)),
        _Target(runnables, "Runnable", "_acall_with_config", w.ain_slot(KIND_CHAIN)),
        _Target(runnables, "Runnable", "_transform_stream_with_config",
                w.stream_in_slot(KIND_CHAIN)),
        _Target(runnables, "Runnable", "_atransform_stream_with_config",
                w.astream_in_slot(KIND_CHAIN)),
    ]


# LangGraph's node runnable, wherever the installed version keeps it; patched
# when LangGraph is imported (it is optional)
_GRAPH_NODE_MODULES = ("langgraph._internal._runnable", "langgraph.utils.runnable")


def _graph_node_targets() -> list[_Target]:
    from llmlens_langchain import wrappers as w
    from llmlens_langchain.activation import KIND_CHAIN

    targets = []
    for module in _GRAPH_NODE_MODULES:
        # a node's run is started by its RunnableSeq, or by a traced RunnableCallable
        for cls in ("RunnableSeq", "RunnableCallable"):
            targets.append(_Target(module, cls, "invoke", w.in_slot(KIND_CHAIN)))
            targets.append(_Target(module, cls, "ainvoke", w.ain_slot(KIND_CHAIN)))
        targets.append(_Target(module, "RunnableSeq", "stream", w.stream_in_slot(KIND_CHAIN)))
        targets.append(_Target(module, "RunnableSeq", "astream", w.astream_in_slot(KIND_CHAIN)))
    return targets


class LangChainInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Spans, metrics and opt-in content for every LangChain run."""

    def __init__(self) -> None:
        super().__init__()
        if not hasattr(self, "_wrapped"):
            # BaseInstrumentor is a singleton: keep state across re-inits
            self._wrapped: list[tuple[type, str, Any]] = []
            self._handler: Any = None
            self._pending: list[lazy.Pending] = []

    def instrumentation_dependencies(self) -> Collection[str]:
        return _instruments

    @property
    def handler(self) -> Any:
        """The callback handler (for tests and diagnostics)."""
        return self._handler

    def _instrument(self, **kwargs: Any) -> None:
        emitter = Emitter(
            "llmlens_langchain", __version__,
            tracer_provider=kwargs.get("tracer_provider"),
            meter_provider=kwargs.get("meter_provider"),
            logger_provider=kwargs.get("logger_provider"),
            content=kwargs.get("content"),
        )
        # LangChain is patched when the application imports it (at once if it
        # has); the callback may run right here, so the list exists first
        self._pending = []
        self._pending.append(
            lazy.when_imported("langchain_core", functools.partial(self._patch_core, emitter)))

    def _patch_core(self, emitter: Emitter, module: ModuleType) -> None:
        from llmlens_langchain.handler import LlmlensCallbackHandler

        self._handler = LlmlensCallbackHandler(emitter)
        for target in _targets(self._handler):
            self._wrap(target)
        # LangGraph is optional: its node runnables are patched on its import
        for name in _GRAPH_NODE_MODULES:
            self._pending.append(lazy.when_imported(name, self._wrap_graph_nodes))

    def _wrap_graph_nodes(self, module: Any) -> None:
        if self._handler is None or not self._handler.enabled:
            return
        for target in _graph_node_targets():
            if target.module == module.__name__:
                self._wrap(target)

    def _wrap(self, target: _Target) -> None:
        try:
            module = importlib.import_module(target.module)
            owner = getattr(module, target.cls, None)
            if owner is None or target.method not in owner.__dict__:
                return  # this langchain-core version has no such method
            original = owner.__dict__[target.method]
            if isinstance(original, wrapt.FunctionWrapper):
                return
            wrapt.wrap_function_wrapper(owner, target.method, target.wrapper)
            self._wrapped.append((owner, target.method, original))
        except Exception:  # noqa: BLE001 - one method failing must not stop the others
            _log.debug("llmlens_langchain: could not wrap %s.%s.%s",
                       target.module, target.cls, target.method, exc_info=True)

    def _uninstrument(self, **kwargs: Any) -> None:
        while self._pending:
            self._pending.pop().cancel()
        if self._handler is not None:
            # managers created before keep the handler: it goes quiet
            self._handler.enabled = False
            self._handler = None
        while self._wrapped:
            owner, method, original = self._wrapped.pop()
            try:
                setattr(owner, method, original)
            except Exception:  # noqa: BLE001 - fail open
                _log.debug("llmlens_langchain: could not unwrap %s.%s", owner, method,
                           exc_info=True)

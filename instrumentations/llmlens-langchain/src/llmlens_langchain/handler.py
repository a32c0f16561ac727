"""The callback handler: LangChain runs in, emitter calls out.

Each run's span is parented explicitly on its parent run's context (or, for a
root run, on whatever context is current when it starts: the user's own
span), so the tree is right whatever context a callback runs in. Making a
span current for the run's own code is :mod:`llmlens_langchain.activation`'s
job; here it only fills a slot the entry point opened.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar
from uuid import UUID

from langchain_core.callbacks import BaseCallbackHandler
from opentelemetry import context as otel_context
from opentelemetry.trace import SpanKind

from llmlens_langchain import activation, content, mapping
from llmlens_langchain.runs import Run, RunTable
from llmlens_semconv import Emitter, Request, Response
from llmlens_semconv import names as n
from llmlens_semconv.safety import log_once
from llmlens_semconv.streams import (
    END_ABANDONED,
    END_CANCELLED,
    END_CLOSED,
    END_COMPLETED,
    END_ERROR,
)

_log = logging.getLogger(__name__)

# LangChain marks runs of its own plumbing with this tag; they get no span
_HIDDEN_TAG = "langsmith:hidden"
# LangGraph's control-flow exceptions (interrupts, parent commands) end a run
# without it having failed
_CONTROL_FLOW_ERRORS = frozenset({"GraphBubbleUp", "GraphInterrupt", "ParentCommand"})
# error.type of a run whose end callback never came, long after its root ended
ABANDONED = "abandoned"

F = TypeVar("F", bound=Callable[..., Any])


def _guarded(func: F) -> F:
    """A callback never raises into LangChain and does nothing once disabled."""

    @functools.wraps(func)
    def guarded(self: LlmlensCallbackHandler, *args: Any, **kwargs: Any) -> None:
        if not self.enabled:
            return
        try:
            func(self, *args, **kwargs)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, f"langchain.{func.__name__}")

    return guarded  # type: ignore[return-value]


def _is_control_flow(error: BaseException) -> bool:
    return any(cls.__name__ in _CONTROL_FLOW_ERRORS for cls in type(error).__mro__)


class LlmlensCallbackHandler(BaseCallbackHandler):  # type: ignore[misc]
    """Attached (inheritable) to every LangChain callback manager."""

    # called in the caller's own task, not in an executor with a copied context
    run_inline = True
    raise_error = False

    def __init__(self, emitter: Emitter) -> None:
        super().__init__()
        self.emitter = emitter
        self.runs = RunTable()
        self.enabled = True

    # --- bookkeeping -------------------------------------------------------------------

    def _start(
        self, run_id: UUID, parent_run_id: UUID | None, kind: str, name: str,
        request: Request | None, slot: activation.Slot | None = None,
        hidden_tag: bool = False,
    ) -> None:
        parent = self.runs.get(parent_run_id)
        if parent is not None:
            parent_ctx, root = parent.context, parent.root
        else:
            parent_ctx, root = otel_context.get_current(), run_id
        if request is None:  # hidden: children hang off the nearest traced ancestor
            self.runs.add(run_id, Run(None, parent_ctx, root, kind, name, hidden_tag))
            return
        call = self.emitter.start(request, parent=parent_ctx)
        self.runs.add(run_id, Run(call, call.context(parent_ctx), root, kind, name, hidden_tag))
        if slot is not None:
            activation.hold(slot, call.context())

    def _end(self, run_id: UUID, response: Response | None = None,
             error: BaseException | None = None) -> None:
        run = self.runs.pop(run_id)
        if run is None:
            return
        if run.call is not None:
            if error is None or _is_control_flow(error):
                run.call.finish(response, end_reason=END_COMPLETED)
            elif isinstance(error, GeneratorExit):
                # the consumer closed the stream early: not a failure
                run.call.finish(response, end_reason=END_CLOSED)
            else:
                cancelled = isinstance(error, asyncio.CancelledError)
                run.call.fail(error, response=response,
                              end_reason=END_CANCELLED if cancelled else END_ERROR)
        if run.root == run_id:
            for orphan in self.runs.retire_root(run_id):
                if orphan.call is not None:
                    orphan.call.fail(error_type=ABANDONED, end_reason=END_ABANDONED)

    def call_of(self, run_id: UUID | None) -> Any:
        """The running emitter call of a run (for activation), or None."""
        run = self.runs.get(run_id)
        return run.call if run is not None else None

    # --- chains, graphs, agents ------------------------------------------------------

    @_guarded
    def on_chain_start(
        self, serialized: Mapping[str, Any] | None, inputs: Any, *, run_id: UUID,
        parent_run_id: UUID | None = None, tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None, **kwargs: Any,
    ) -> None:
        name = mapping.run_name(serialized, kwargs)
        parent = self.runs.get(parent_run_id)
        hidden_tag = bool(tags) and _HIDDEN_TAG in tags  # type: ignore[operator]
        request: Request | None
        if hidden_tag and not (parent is not None and parent.hidden_tag):
            request = None
        elif mapping.is_agent(serialized, name, metadata):
            request = Request(operation=n.OP_INVOKE_AGENT, agent_name=name,
                              conversation_id=mapping.conversation_id(metadata))
        elif parent is None:
            request = Request(operation=n.OP_INVOKE_WORKFLOW, workflow_name=name,
                              conversation_id=mapping.conversation_id(metadata))
        else:
            request = Request(operation=None, span_name=name, kind=SpanKind.INTERNAL)
        self._start(run_id, parent_run_id, activation.KIND_CHAIN, name, request,
                    activation.claim(activation.KIND_CHAIN), hidden_tag)

    @_guarded
    def on_chain_end(self, outputs: Any, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id)

    @_guarded
    def on_chain_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # --- chat models and LLMs --------------------------------------------------------

    def _start_model(
        self, operation: str, serialized: Mapping[str, Any] | None, run_id: UUID,
        parent_run_id: UUID | None, metadata: Mapping[str, Any] | None,
        kwargs: Mapping[str, Any], messages: Callable[[], Any],
    ) -> None:
        request = mapping.model_request(
            operation, serialized, metadata, kwargs.get("invocation_params"))
        request.conversation_id = mapping.conversation_id(metadata)
        slot = activation.claim(activation.KIND_LLM)
        if slot is not None and slot.stream:
            request.stream = True
        if self.emitter.content.enabled:
            request.input_messages = messages()
        self._start(run_id, parent_run_id, activation.KIND_LLM,
                    mapping.run_name(serialized, kwargs), request, slot)

    @_guarded
    def on_chat_model_start(
        self, serialized: Mapping[str, Any] | None, messages: Sequence[Sequence[Any]], *,
        run_id: UUID, parent_run_id: UUID | None = None, tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None, **kwargs: Any,
    ) -> None:
        self._start_model(
            n.OP_CHAT, serialized, run_id, parent_run_id, metadata, kwargs,
            lambda: content.input_messages(messages[0] if messages else []))

    @_guarded
    def on_llm_start(
        self, serialized: Mapping[str, Any] | None, prompts: Sequence[str], *,
        run_id: UUID, parent_run_id: UUID | None = None, tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None, **kwargs: Any,
    ) -> None:
        self._start_model(
            n.OP_TEXT_COMPLETION, serialized, run_id, parent_run_id, metadata, kwargs,
            lambda: content.prompt_messages(prompts[:1]))

    @_guarded
    def on_llm_new_token(self, token: str, *, run_id: UUID, chunk: Any = None,
                         **kwargs: Any) -> None:
        run = self.runs.get(run_id)
        if run is None or run.call is None:
            return
        # the closing marker chunk LangChain adds after the provider's last one
        message = getattr(chunk, "message", None)
        if not token and getattr(message, "chunk_position", None) == "last":
            return
        run.call.chunk()

    @_guarded
    def on_llm_end(self, response: Any, *, run_id: UUID, **kwargs: Any) -> None:
        outputs = content.output_messages(response) if self.emitter.content.enabled else None
        self._end(run_id, mapping.model_response(response, output_messages=outputs))

    @_guarded
    def on_llm_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # --- tools -----------------------------------------------------------------------

    @_guarded
    def on_tool_start(
        self, serialized: Mapping[str, Any] | None, input_str: str, *, run_id: UUID,
        parent_run_id: UUID | None = None, tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None, inputs: Any = None, **kwargs: Any,
    ) -> None:
        name = mapping.run_name(serialized, kwargs)
        description = (serialized or {}).get("description")
        call_id = kwargs.get("tool_call_id")
        request = Request(
            operation=n.OP_EXECUTE_TOOL, tool_name=name, tool_type="function",
            tool_call_id=call_id if isinstance(call_id, str) else None,
            tool_description=description if isinstance(description, str) else None,
        )
        if self.emitter.content.enabled:
            request.tool_call_arguments = inputs if inputs is not None else input_str
        self._start(run_id, parent_run_id, activation.KIND_TOOL, name, request,
                    activation.claim(activation.KIND_TOOL))

    @_guarded
    def on_tool_end(self, output: Any, *, run_id: UUID, **kwargs: Any) -> None:
        run = self.runs.get(run_id)
        response = Response()
        # older langchain-core gives the tool call id only on the result message
        call_id = getattr(output, "tool_call_id", None)
        if (run is not None and run.call is not None and isinstance(call_id, str)
                and run.call.request.tool_call_id is None):
            response.extra = {n.GEN_AI_TOOL_CALL_ID: call_id}
        if self.emitter.content.enabled:
            response.tool_call_result = content.tool_output(output)
        self._end(run_id, response)

    @_guarded
    def on_tool_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

    # --- retrievers ------------------------------------------------------------------

    @_guarded
    def on_retriever_start(
        self, serialized: Mapping[str, Any] | None, query: str, *, run_id: UUID,
        parent_run_id: UUID | None = None, tags: Sequence[str] | None = None,
        metadata: Mapping[str, Any] | None = None, **kwargs: Any,
    ) -> None:
        name = mapping.run_name(serialized, kwargs)
        store = (metadata or {}).get("ls_vector_store_provider")
        source = kwargs.get("name") or (store if isinstance(store, str) else None) or name
        request = Request(operation=n.OP_RETRIEVAL, data_source_id=source)
        if self.emitter.content.enabled:
            request.retrieval_query = query
        self._start(run_id, parent_run_id, activation.KIND_RETRIEVER, name, request,
                    activation.claim(activation.KIND_RETRIEVER))

    @_guarded
    def on_retriever_end(self, documents: Sequence[Any], *, run_id: UUID,
                         **kwargs: Any) -> None:
        response = Response()
        if self.emitter.content.enabled:
            response.retrieval_documents = content.documents(documents)
        self._end(run_id, response)

    @_guarded
    def on_retriever_error(self, error: BaseException, *, run_id: UUID, **kwargs: Any) -> None:
        self._end(run_id, error=error)

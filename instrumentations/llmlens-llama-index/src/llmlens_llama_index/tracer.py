"""The pipeline tracer: LlamaIndex dispatcher spans and events in, llmlens
calls out.

Every dispatcher span is entered in a table keyed by its id while it runs:
the steps that become spans with their :class:`Call`, the transparent ones
as an alias of the nearest traced ancestor (so a child finds its parent
through them). An entry leaves the table when its dispatcher span exits or
drops; a streamed LLM response stays in a second table until its stream
ends, fails, or is garbage collected. Nothing else is kept per query.
"""

from __future__ import annotations

import logging
import weakref
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

from llmlens_llama_index import content as contents
from llmlens_llama_index import responses
from llmlens_llama_index.classify import Step, classify, is_step_of, method_of
from llmlens_llama_index.requests import request_for
from llmlens_llama_index.scope import Attachment, enclosing_scope, owner, returns_future
from llmlens_llama_index.streams import keep_open
from llmlens_semconv import Call, Emitter, Request, Response
from llmlens_semconv import names as n
from llmlens_semconv.safety import log_once
from llmlens_semconv.streams import END_ABANDONED, END_CLOSED, END_COMPLETED, END_ERROR

_log = logging.getLogger(__name__)

# The traced step a context belongs to: finds the enclosing step when the
# dispatcher knows no parent (a stream's generator running after its method
# returned).
_STEP_KEY = otel_context.create_key("llmlens.llama_index.step")

# Steps whose result may be a streaming response object whose generator
# runs the rest of the step after the method returned.
_STREAMING_RESULT_STEPS = frozenset({Step.QUERY, Step.CHAT_ENGINE, Step.SYNTHESIZE, Step.AGENT})
# A step of these kinds inside one of the same kind is the same operation
# seen twice (CustomLLM.chat calling complete, a batch calling a single
# embedding, an LLM wrapper calling its inner LLM): it stays one span.
_NO_NESTING = frozenset({Step.LLM, Step.EMBED, Step.TOOL})
_PROVIDER_OPERATIONS = n.INFERENCE_OPERATIONS
_WORKFLOWS = frozenset({Step.WORKFLOW, Step.AGENT})


@dataclass(slots=True, eq=False)
class Traced:
    """A dispatcher span that became a span."""

    step: Step
    call: Call
    instance_id: int
    instance_type: type
    ctx: otel_context.Context
    attachment: Attachment | None = None
    # a streamed LLM call made current while its stream is consumed
    sticky: Attachment | None = None
    # where a stream that could not be made current is being consumed
    consumer: tuple[int, int] | None = None
    # an LLM stream started inside this step and read after it returned
    stream_child: Traced | None = None
    # a method that returned a Future: where it was entered (its run goes on
    # in tasks it created; the caller's context is not inside it)
    entered_by: tuple[int, int] | None = None
    # filled in by events while the step runs
    llm_response: Any = None
    finish_reasons: list[str] = field(default_factory=list)
    embedding_dimension: int | None = None
    documents: list[dict[str, Any]] | None = None
    stream_end: Any = None


@dataclass(slots=True, eq=False)
class Alias:
    """A transparent dispatcher span: stands for its nearest traced ancestor."""

    target: Traced | None


class PipelineTracer:
    def __init__(self, emitter: Emitter) -> None:
        self.emitter = emitter
        self.open: dict[str, Traced | Alias] = {}
        self.streams: dict[str, Traced] = {}
        # (thread, task) -> the LLM streams being read there without their
        # context current (usually one; zip() of two streams makes two)
        self.consuming: dict[tuple[int, int], list[Traced]] = {}

    # --- dispatcher spans -------------------------------------------------------

    def enter(self, span_id: str, bound_args: Any, instance: Any, parent_id: str | None) -> None:
        parent = self._traced(parent_id) if parent_id else None
        if parent is not None and parent.entered_by is not None and parent.entered_by == owner():
            # LlamaIndex leaves its span id set in the caller of a method
            # that returned a Future: that caller is not inside the run
            parent = None
        if parent is None:
            parent = _step_in_context()
        method = method_of(span_id)
        step = classify(instance, method)
        if step is None and parent is not None and _is_workflow_step(
            span_id, instance, method, parent
        ):
            step = Step.WORKFLOW_STEP
        if step is None or (parent is not None and _same_operation(parent, step, instance)):
            self.open[span_id] = Alias(parent)
            return
        request = request_for(step, instance, method)
        if self.emitter.content.enabled:
            self._content_at_start(step, request, bound_args)
        parent_ctx = self._parent_context(parent)
        call = self.emitter.start(request, parent=parent_ctx)
        traced = Traced(step, call, id(instance), type(instance), call.context(parent_ctx))
        traced.ctx = otel_context.set_value(_STEP_KEY, traced, traced.ctx)
        if returns_future(bound_args, instance, method):
            traced.entered_by = owner()
        else:
            traced.attachment = Attachment(traced.ctx)
        self.open[span_id] = traced

    def exit(self, span_id: str, result: Any) -> None:
        entry = self.open.pop(span_id, None)
        if not isinstance(entry, Traced):
            return
        if entry.attachment is not None:
            entry.attachment.detach()
        if entry.step is Step.LLM and _is_stream(result):
            self._await_stream_end(span_id, entry, result)
            return
        if entry.step in _STREAMING_RESULT_STEPS and self._keep_open_for_stream(entry, result):
            return
        entry.call.finish(self._response(entry, result))

    def drop(self, span_id: str, err: BaseException | None) -> None:
        entry = self.open.pop(span_id, None)
        if not isinstance(entry, Traced):
            return
        if entry.attachment is not None:
            entry.attachment.detach()
        entry.call.fail(err, response=self._response(entry, None))

    # --- events -------------------------------------------------------------------

    def event(self, event: Any) -> None:
        span_id = getattr(event, "span_id", None)
        if not span_id:
            return
        traced = self._traced(span_id) or self.streams.get(span_id)
        if traced is None:
            return
        kind = type(event).__name__
        if traced.step is Step.LLM:
            self._llm_event(span_id, traced, kind, event)
        elif traced.step is Step.EMBED and kind == "EmbeddingEndEvent":
            embeddings = getattr(event, "embeddings", None)
            if embeddings and isinstance(embeddings[0], (list, tuple)):
                traced.embedding_dimension = len(embeddings[0])
        elif traced.step is Step.RETRIEVE and kind == "RetrievalEndEvent":
            if self.emitter.content.enabled:
                traced.documents = contents.documents(getattr(event, "nodes", None) or [])
        elif traced.step is Step.POSTPROCESS and kind == "ReRankStartEvent":
            model = getattr(event, "model_name", None)
            if isinstance(model, str) and model:
                traced.call.span.update_name(f"rerank {model}")

    def _llm_event(self, span_id: str, traced: Traced, kind: str, event: Any) -> None:
        if kind in ("LLMChatInProgressEvent", "LLMCompletionInProgressEvent"):
            traced.call.chunk()
            if (
                traced.consumer is None and span_id in self.streams
                and _step_in_context() is not traced
            ):
                traced.consumer = owner()
                self.consuming.setdefault(traced.consumer, []).append(traced)
            self._take_llm_response(traced, event)
        elif kind in ("LLMChatEndEvent", "LLMCompletionEndEvent"):
            self._take_llm_response(traced, event)
            if span_id in self.streams:
                self._end_stream(span_id, None, END_COMPLETED)
        elif kind in ("LLMChatStartEvent", "LLMCompletionStartEvent"):
            if self.emitter.content.enabled:
                _llm_input(traced.call, event)
        elif kind == "ExceptionEvent" and span_id in self.streams:
            exc = getattr(event, "exception", None)
            if isinstance(exc, GeneratorExit):
                # the consumer closed the stream (close(), break, garbage collection)
                self._end_stream(span_id, None, END_CLOSED)
            else:
                self._end_stream(span_id, exc, END_ERROR)

    def provider_call_ended(self, call: Call, response: Any, error_type: Any) -> None:
        """A provider SDK call (llmlens-openai, ...) ended. When it ran inside
        the consumption of an LLM stream whose context could not be made
        current, it was that stream's API call: its span carries the usage,
        and the LlamaIndex span does not count it again."""
        if not self.consuming or call.emitter is self.emitter or call.request.framework:
            return
        if call.request.operation not in _PROVIDER_OPERATIONS:
            return
        readers = self.consuming.get(owner())
        if not readers:
            return
        if len(readers) > 1:
            # several streams read here at once: the one the API response is
            response_id = getattr(response, "id", None)
            readers = [t for t in readers if response_id and response_id == responses.id_of(
                getattr(t.llm_response, "raw", None))]
        for traced in readers:
            if traced.call is not call:
                traced.call.delegate()

    # --- parents --------------------------------------------------------------------

    def _traced(self, span_id: str | None) -> Traced | None:
        if not span_id:
            return None
        entry = self.open.get(span_id)
        if isinstance(entry, Alias):
            return entry.target
        return entry

    @staticmethod
    def _parent_context(parent: Traced | None) -> otel_context.Context:
        """The OpenTelemetry context a new step starts in.

        The current context, when the LlamaIndex parent made itself current
        there (it then holds the parent or a span the user opened inside
        it); otherwise the parent's own context, over the current one."""
        current = otel_context.get_current()
        if parent is None:
            return current
        if parent.attachment is not None:
            here = trace.get_current_span(current).get_span_context()
            if here.trace_id == parent.call.span.get_span_context().trace_id:
                return current
        return parent.ctx

    # --- results --------------------------------------------------------------------

    def _content_at_start(self, step: Step, request: Request, bound_args: Any) -> None:
        arguments = getattr(bound_args, "arguments", None) or {}
        if step is Step.TOOL:
            request.tool_call_arguments = contents.tool_arguments(bound_args)
            return
        if step in (Step.QUERY, Step.CHAT_ENGINE, Step.AGENT, Step.RETRIEVE):
            for key in ("str_or_query_bundle", "query", "message", "user_msg", "query_str"):
                text = contents.query_text(contents.argument(arguments, key))
                if text is not None:
                    if step is Step.RETRIEVE:
                        request.retrieval_query = text
                    else:
                        request.input_messages = contents.user_text(text)
                    return

    def _take_llm_response(self, traced: Traced, event: Any) -> None:
        response = getattr(event, "response", None)
        if response is None:
            return
        traced.llm_response = response
        reasons = responses.finish_reasons_of(getattr(response, "raw", None))
        if reasons:
            traced.finish_reasons = reasons

    def _response(self, traced: Traced, result: Any) -> Response | None:
        step = traced.step
        if step is Step.LLM:
            return self._llm_response(traced, result)
        if step is Step.EMBED:
            if traced.embedding_dimension is None and isinstance(result, list) and result:
                first = result[0]
                vector = first if isinstance(first, (list, tuple)) else result
                traced.embedding_dimension = len(vector)
            return Response(embedding_dimension=traced.embedding_dimension)
        if step is Step.RETRIEVE:
            return Response(retrieval_documents=traced.documents)
        if not self.emitter.content.enabled or result is None:
            return None
        if step is Step.TOOL:
            return Response(tool_call_result=getattr(result, "content", result))
        text = responses.text_of(result)
        if text is not None and step in (Step.QUERY, Step.CHAT_ENGINE, Step.AGENT):
            return Response(output_messages=contents.assistant_text(text))
        return None

    def _llm_response(self, traced: Traced, result: Any) -> Response:
        llm_response = traced.llm_response if traced.llm_response is not None else result
        raw = getattr(llm_response, "raw", None)
        response = Response(
            id=responses.id_of(raw),
            model=responses.model_of(raw),
            finish_reasons=traced.finish_reasons or None,
            usage=responses.usage_of(raw, getattr(llm_response, "additional_kwargs", None)),
        )
        if self.emitter.content.enabled and llm_response is not None:
            text = responses.text_of(llm_response)
            if text is not None:
                reason = traced.finish_reasons[0] if traced.finish_reasons else None
                response.output_messages = contents.assistant_text(text, reason)
        return response

    # --- streams --------------------------------------------------------------------

    def _await_stream_end(self, span_id: str, traced: Traced, stream: Any) -> None:
        """An LLM stream: its call ends with the stream's end event, its
        exception event, or when the stream object is garbage collected.

        The provider SDK call runs when the stream is first iterated, after
        the method returned. When the stream was made inside a step of ours
        that will restore the context (an enclosing step, or a streaming
        response being consumed), the LLM call stays current until the
        stream ends or that step does, so the SDK call nests under it and
        leaves it the usage (counted once)."""
        self.streams[span_id] = traced
        scope = enclosing_scope()
        if scope is not None:
            traced.sticky = Attachment(traced.ctx, within=scope)
            enclosing = otel_context.get_value(_STEP_KEY, scope.ctx)
            if isinstance(enclosing, Traced):
                enclosing.stream_child = traced
        try:
            traced.stream_end = weakref.finalize(
                stream, self._end_stream, span_id, None, END_ABANDONED)
        except TypeError:  # not weak-referenceable: ends with its events only
            log_once(_log, "llama_index.stream_weakref")

    def _end_stream(self, span_id: str, exc: BaseException | None, reason: str) -> None:
        traced = self.streams.pop(span_id, None)
        if traced is None:
            return
        if traced.stream_end is not None:
            traced.stream_end.detach()
        if traced.sticky is not None:
            traced.sticky.detach_if_current()
        readers = self.consuming.get(traced.consumer) if traced.consumer is not None else None
        if readers is not None and traced in readers:
            readers.remove(traced)
            if not readers:
                del self.consuming[traced.consumer]
        response = self._llm_response(traced, None)
        if exc is not None:
            traced.call.fail(exc, response=response, end_reason=reason)
        else:
            traced.call.finish(response, end_reason=reason)

    def _keep_open_for_stream(self, traced: Traced, result: Any) -> bool:
        """A streaming response of a query (``StreamingResponse``): its
        generator runs the rest of the step after the method returned, so
        the step goes on while it runs and ends with it.

        Chat engines hand their stream to a thread or task they start before
        returning; that copies the context, in which the LLM call is still
        current (see ``_await_stream_end``), so they need nothing here."""
        fields = getattr(result, "__dict__", None)
        stream = fields.get("response_gen") if isinstance(fields, dict) else None
        if not _is_stream(stream):
            return False
        # read later, the stream runs its LLM call: that call's context is
        # current while it does when it was started inside this step
        child = traced.stream_child
        ctx = child.ctx if child is not None and not child.call.ended else traced.ctx
        try:
            result.response_gen = keep_open(stream, traced.call, ctx)
        except (AttributeError, TypeError):
            return False
        return True


def _same_operation(parent: Traced, step: Step, instance: Any) -> bool:
    """A step inside its parent that is the same operation seen twice (an
    agent's query calling its chat, CustomLLM.chat calling complete, an LLM
    wrapper calling its inner LLM): it stays one span."""
    if instance is not None and parent.instance_id == id(instance) and parent.step is step:
        return True
    return step in _NO_NESTING and (parent.step is step or parent.instance_id == id(instance))


def _is_workflow_step(span_id: str, instance: Any, method: str, parent: Traced) -> bool:
    """A step function of the workflow (or agent) run that is the parent:
    a bound method of the workflow (older releases) or a function named
    after a class of the workflow (llama-index-workflows)."""
    if parent.step not in _WORKFLOWS or method.startswith("_"):
        return False
    if instance is None:
        return is_step_of(span_id, parent.instance_type)
    return id(instance) == parent.instance_id


def _step_in_context() -> Traced | None:
    step = otel_context.get_value(_STEP_KEY)
    if isinstance(step, Traced) and not step.call.ended:
        return step
    return None


def _is_stream(value: Any) -> bool:
    return hasattr(value, "__next__") or hasattr(value, "__anext__")


def _llm_input(call: Call, event: Any) -> None:
    messages = getattr(event, "messages", None)
    if messages:
        system, others = contents.chat_messages(messages)
        call.set_content_input(Request(
            operation=None, input_messages=others, system_instructions=system or None))
        return
    prompt = getattr(event, "prompt", None)
    if isinstance(prompt, str):
        call.set_content_input(Request(operation=None, input_messages=contents.user_text(prompt)))

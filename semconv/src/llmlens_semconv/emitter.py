"""The one emitter: a record of a GenAI operation in, span + metrics + opt-in
content event out, per the GenAI conventions.

Instrumentors call :meth:`Emitter.start` with a :class:`Request` and end the
returned :class:`Call` with :meth:`Call.finish` or :meth:`Call.fail`. A call
ends exactly once, whatever ends it first; nothing here ever raises into the
caller (failures are logged once per site and swallowed).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import metrics, trace
from opentelemetry._logs import SeverityNumber, get_logger
from opentelemetry.trace import SpanKind, Status, StatusCode

from llmlens_semconv import hooks
from llmlens_semconv import names as n
from llmlens_semconv.content import ContentPolicy
from llmlens_semconv.errors import error_type_of
from llmlens_semconv.records import Request, Response, Usage
from llmlens_semconv.safety import log_once

_log = logging.getLogger(__name__)

# Context entry naming the framework-level inference call (LangChain,
# LlamaIndex) that is running, so a provider call beneath it takes the usage.
_FRAMEWORK_CALL_KEY = otel_context.create_key("llmlens.framework_inference_call")
# set once a framework call put itself in a context: until then no provider
# call can be beneath one, and the context lookup is skipped
_framework_contexts = False

# a context whose span is the invalid one: points recorded in it get no
# trace-based exemplar (an empty context would not do: the SDK takes an empty
# one for "none given" and reads the current context instead)
_NO_SPAN_CONTEXT = trace.set_span_in_context(trace.INVALID_SPAN, otel_context.Context())
_INTERNAL_OPERATIONS = frozenset({n.OP_EXECUTE_TOOL, n.OP_INVOKE_WORKFLOW, n.OP_INVOKE_AGENT})
_USAGE_OPERATIONS = n.INFERENCE_OPERATIONS | {n.OP_EMBEDDINGS, n.OP_INVOKE_AGENT}
# attributes of a Response.extra copied onto the metrics (low cardinality)
_METRIC_EXTRA_KEYS = frozenset({n.OPENAI_RESPONSE_SERVICE_TIER})
_STATUS_DESCRIPTION_LIMIT = 256


def span_name_of(request: Request) -> str:
    if request.span_name:
        return request.span_name
    op = request.operation or "gen_ai"
    if op == n.OP_EXECUTE_TOOL:
        target = request.tool_name
    elif op == n.OP_INVOKE_AGENT or op == n.OP_CREATE_AGENT:
        target = request.agent_name
    elif op == n.OP_INVOKE_WORKFLOW:
        target = request.workflow_name
    elif op == n.OP_RETRIEVAL:
        target = request.data_source_id
    else:
        target = request.model
    return f"{op} {target}" if target else op


def _kind_of(request: Request) -> SpanKind:
    if request.kind is not None:
        return request.kind
    return SpanKind.INTERNAL if request.operation in _INTERNAL_OPERATIONS else SpanKind.CLIENT


def _reader_of(
    fields: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """The attribute keys of a field table, and a getter of all its fields
    in one C call (a record sets a few of many)."""
    return tuple(key for _, key in fields), attrgetter(*(name for name, _ in fields))


# Request field -> span attribute, for the fields set on the span as they are
_PARAMETER_FIELDS: tuple[tuple[str, str], ...] = (
    ("max_tokens", n.GEN_AI_REQUEST_MAX_TOKENS),
    ("temperature", n.GEN_AI_REQUEST_TEMPERATURE),
    ("top_p", n.GEN_AI_REQUEST_TOP_P),
    ("top_k", n.GEN_AI_REQUEST_TOP_K),
    ("frequency_penalty", n.GEN_AI_REQUEST_FREQUENCY_PENALTY),
    ("presence_penalty", n.GEN_AI_REQUEST_PRESENCE_PENALTY),
    ("seed", n.GEN_AI_REQUEST_SEED),
    ("output_type", n.GEN_AI_OUTPUT_TYPE),
    ("reasoning_level", n.GEN_AI_REQUEST_REASONING_LEVEL),
    ("previous_response_id", n.GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID),
    ("conversation_id", n.GEN_AI_CONVERSATION_ID),
    ("tool_name", n.GEN_AI_TOOL_NAME),
    ("tool_call_id", n.GEN_AI_TOOL_CALL_ID),
    ("tool_description", n.GEN_AI_TOOL_DESCRIPTION),
    ("tool_type", n.GEN_AI_TOOL_TYPE),
    ("agent_name", n.GEN_AI_AGENT_NAME),
    ("agent_id", n.GEN_AI_AGENT_ID),
    ("agent_description", n.GEN_AI_AGENT_DESCRIPTION),
    ("agent_version", n.GEN_AI_AGENT_VERSION),
    ("workflow_name", n.GEN_AI_WORKFLOW_NAME),
    ("data_source_id", n.GEN_AI_DATA_SOURCE_ID),
    ("retrieval_top_k", n.GEN_AI_RETRIEVAL_TOP_K),
)
_PARAMETER_KEYS, _parameter_values = _reader_of(_PARAMETER_FIELDS)


def _start_attributes(request: Request) -> dict[str, Any]:
    """Request fields as span attributes (set at start: sampling sees them and
    a failed call keeps them)."""
    a: dict[str, Any] = {}
    if request.operation:
        a[n.GEN_AI_OPERATION_NAME] = request.operation
    if request.provider:
        a[n.GEN_AI_PROVIDER_NAME] = request.provider
    if request.model:
        a[n.GEN_AI_REQUEST_MODEL] = request.model
    if request.server_address:
        a[n.SERVER_ADDRESS] = request.server_address
        if request.server_port:
            a[n.SERVER_PORT] = request.server_port
    if request.stream:
        a[n.GEN_AI_REQUEST_STREAM] = True
    for key, value in zip(_PARAMETER_KEYS, _parameter_values(request), strict=True):
        if value is not None:
            a[key] = value
    if request.choice_count is not None and request.choice_count != 1:
        a[n.GEN_AI_REQUEST_CHOICE_COUNT] = request.choice_count
    if request.stop_sequences:
        a[n.GEN_AI_REQUEST_STOP_SEQUENCES] = list(request.stop_sequences)
    if request.encoding_formats:
        a[n.GEN_AI_REQUEST_ENCODING_FORMATS] = list(request.encoding_formats)
    if request.extra:
        a.update(request.extra)
    return a


def _metric_attributes(request: Request) -> dict[str, Any]:
    a: dict[str, Any] = {}
    if request.operation:
        a[n.GEN_AI_OPERATION_NAME] = request.operation
    if request.provider:
        a[n.GEN_AI_PROVIDER_NAME] = request.provider
    if request.model:
        a[n.GEN_AI_REQUEST_MODEL] = request.model
    if request.server_address:
        a[n.SERVER_ADDRESS] = request.server_address
        if request.server_port:
            a[n.SERVER_PORT] = request.server_port
    if request.operation == n.OP_EXECUTE_TOOL and request.tool_name:
        a[n.GEN_AI_TOOL_NAME] = request.tool_name
    elif request.operation == n.OP_INVOKE_AGENT and request.agent_name:
        a[n.GEN_AI_AGENT_NAME] = request.agent_name
    elif request.operation == n.OP_INVOKE_WORKFLOW and request.workflow_name:
        a[n.GEN_AI_WORKFLOW_NAME] = request.workflow_name
    if hooks.metric_attribute_hooks:
        extra = hooks.metric_attributes()
        if extra:
            a.update(extra)
    return a


# Usage field -> attribute
_USAGE_FIELDS: tuple[tuple[str, str], ...] = (
    ("input_tokens", n.GEN_AI_USAGE_INPUT_TOKENS),
    ("output_tokens", n.GEN_AI_USAGE_OUTPUT_TOKENS),
    ("cache_read_input_tokens", n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS),
    ("cache_write_input_tokens", n.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS),
    ("reasoning_output_tokens", n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS),
    ("audio_input_tokens", n.GEN_AI_USAGE_AUDIO_INPUT_TOKENS),
    ("audio_output_tokens", n.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS),
    ("image_input_tokens", n.GEN_AI_USAGE_IMAGE_INPUT_TOKENS),
)
_USAGE_KEYS, _usage_values = _reader_of(_USAGE_FIELDS)


# per-modality subsets: a text call's "0 audio tokens" says nothing (the
# input, output, cache and reasoning counts keep their zeros)
_SUBSET_KEYS = frozenset({
    n.GEN_AI_USAGE_AUDIO_INPUT_TOKENS, n.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS,
    n.GEN_AI_USAGE_IMAGE_INPUT_TOKENS,
})


def _usage_attributes(usage: Usage, into: dict[str, Any]) -> None:
    for key, value in zip(_USAGE_KEYS, _usage_values(usage), strict=True):
        if value is not None and (value or key not in _SUBSET_KEYS):
            into[key] = int(value)


# LLMLENS_CHUNK_METRIC: how gen_ai.client.operation.time_per_output_chunk is
# recorded. The conventions record one point per chunk, and each point is a
# full SDK histogram record; "per_stream" records the mean interval once per
# stream for those who want streams nearly as cheap as plain calls.
CHUNK_METRIC_ENV = "LLMLENS_CHUNK_METRIC"
CHUNK_METRIC_PER_CHUNK = "per_chunk"
CHUNK_METRIC_PER_STREAM = "per_stream"
CHUNK_METRIC_OFF = "off"
_CHUNK_METRIC_MODES = (CHUNK_METRIC_PER_CHUNK, CHUNK_METRIC_PER_STREAM, CHUNK_METRIC_OFF)


def chunk_metric_mode() -> str:
    raw = os.environ.get(CHUNK_METRIC_ENV, "").strip().lower()
    if not raw:
        return CHUNK_METRIC_PER_CHUNK
    if raw not in _CHUNK_METRIC_MODES:
        _log.warning("%s=%r is not one of %s; recording per chunk", CHUNK_METRIC_ENV, raw,
                     ", ".join(_CHUNK_METRIC_MODES))
        return CHUNK_METRIC_PER_CHUNK
    return raw


class Emitter:
    """Creates the instruments once; starts one :class:`Call` per operation."""

    def __init__(
        self,
        scope: str,
        version: str = "",
        *,
        tracer_provider: trace.TracerProvider | None = None,
        meter_provider: metrics.MeterProvider | None = None,
        logger_provider: Any = None,
        content: ContentPolicy | None = None,
    ) -> None:
        self.tracer = trace.get_tracer(scope, version, tracer_provider, schema_url=n.SCHEMA_URL)
        meter = metrics.get_meter(scope, version, meter_provider, schema_url=n.SCHEMA_URL)
        self.content = content if content is not None else ContentPolicy.from_env()
        self.chunk_metric = chunk_metric_mode()
        self._scope = scope
        self._version = version
        self._logger_provider = logger_provider
        self._logger: Any = None

        def histogram(name: str, unit: str, description: str) -> metrics.Histogram:
            return meter.create_histogram(
                name, unit=unit, description=description,
                explicit_bucket_boundaries_advisory=list(n.HISTOGRAM_BUCKETS[name]),
            )

        self.duration = histogram(
            n.METRIC_OPERATION_DURATION, n.UNIT_SECONDS, "GenAI operation duration.")
        self.token_usage = histogram(
            n.METRIC_TOKEN_USAGE, n.UNIT_TOKENS, "Number of input and output tokens used.")
        self.time_to_first_chunk = histogram(
            n.METRIC_TIME_TO_FIRST_CHUNK, n.UNIT_SECONDS,
            "Time from the request to the first chunk of a streamed response.")
        self.time_per_output_chunk = histogram(
            n.METRIC_TIME_PER_OUTPUT_CHUNK, n.UNIT_SECONDS,
            "Time between consecutive chunks of a streamed response.")
        self.tool_duration = histogram(
            n.METRIC_EXECUTE_TOOL_DURATION, n.UNIT_SECONDS, "Tool execution duration.")
        self.agent_duration = histogram(
            n.METRIC_INVOKE_AGENT_DURATION, n.UNIT_SECONDS, "Agent invocation duration.")
        self.workflow_duration = histogram(
            n.METRIC_WORKFLOW_DURATION, n.UNIT_SECONDS, "Workflow duration.")

    def _duration_histogram(self, operation: str | None) -> metrics.Histogram | None:
        if operation == n.OP_EXECUTE_TOOL:
            return self.tool_duration
        if operation == n.OP_INVOKE_AGENT:
            return self.agent_duration
        if operation == n.OP_INVOKE_WORKFLOW:
            return self.workflow_duration
        if operation is None:
            return None
        return self.duration

    @property
    def logger(self) -> Any:
        if self._logger is None:
            self._logger = get_logger(
                self._scope, self._version, self._logger_provider, schema_url=n.SCHEMA_URL)
        return self._logger

    def start(self, request: Request, *, parent: otel_context.Context | None = None) -> Call:
        """Start the span of one operation. Never raises."""
        return Call(self, request, parent)


class Call:
    """One running operation. End it with :meth:`finish` or :meth:`fail`."""

    __slots__ = (
        "emitter", "request", "span", "_t0", "_first_chunk", "_last_chunk",
        "_intervals", "_ended", "_delegated", "_chunks", "_outer",
    )

    def __init__(self, emitter: Emitter, request: Request, parent: otel_context.Context | None):
        self.emitter = emitter
        self.request = request
        self._first_chunk: float | None = None
        self._last_chunk = 0.0
        self._intervals: list[float] = []
        self._chunks = 0
        self._ended = False
        self._delegated = False
        # the framework call this provider call took the usage from, if any
        self._outer: Call | None = None
        try:
            if _framework_contexts and not request.framework and (
                request.operation in n.INFERENCE_OPERATIONS
                or request.operation == n.OP_EMBEDDINGS
            ):
                outer = otel_context.get_value(_FRAMEWORK_CALL_KEY, parent)
                if outer is not None and not outer._ended:
                    outer._delegated = True
                    self._outer = outer
            attributes = _start_attributes(request)
            if hooks.span_start_hooks:
                extra = hooks.span_start_attributes(request)
                if extra:
                    attributes.update(extra)
            self.span = emitter.tracer.start_span(
                span_name_of(request), context=parent, kind=_kind_of(request),
                attributes=attributes,
            )
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "emitter.start")
            self.span = trace.INVALID_SPAN
        self._t0 = time.perf_counter()

    # --- running ---------------------------------------------------------------

    @property
    def ended(self) -> bool:
        return self._ended

    def chunk(self) -> None:
        """Note the arrival of one streamed chunk (timing only: cheap)."""
        now = time.perf_counter()
        if self._first_chunk is None:
            self._first_chunk = now
        else:
            self._intervals.append(now - self._last_chunk)
        self._last_chunk = now
        self._chunks += 1

    def context(self, parent: otel_context.Context | None = None) -> otel_context.Context:
        """A context with this call's span current (for children)."""
        global _framework_contexts
        ctx = trace.set_span_in_context(self.span, parent)
        if self.request.framework:
            _framework_contexts = True
            ctx = otel_context.set_value(_FRAMEWORK_CALL_KEY, self, ctx)
        return ctx

    @contextmanager
    def activated(self) -> Iterator[Call]:
        """Make this call's span current for the block (attach and detach in
        the same context)."""
        token = otel_context.attach(self.context())
        try:
            yield self
        finally:
            otel_context.detach(token)

    def delegate(self) -> None:
        """Mark this framework call's usage as carried by a provider call
        made for it that could not run with its context current (a stream
        consumed after the framework method returned). No effect once ended."""
        if not self._ended and self.request.framework:
            self._delegated = True

    def set_content_input(self, request: Request) -> None:
        """Late content for calls whose inputs are known only after start."""
        self.request.input_messages = request.input_messages or self.request.input_messages
        self.request.system_instructions = (
            request.system_instructions or self.request.system_instructions)

    # --- ending ------------------------------------------------------------------

    def finish(self, response: Response | None = None, *, end_reason: str | None = None) -> None:
        """End the operation successfully (once; later calls are ignored)."""
        if self._ended:
            return
        self._ended = True
        try:
            error_type = getattr(response, "error_type", None)
            self._end(response, error_type, None, end_reason)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "emitter.finish")
            _end_span_quietly(self.span)

    def fail(
        self,
        exc: BaseException | None = None,
        *,
        error_type: str | None = None,
        response: Response | None = None,
        end_reason: str | None = None,
    ) -> None:
        """End the operation as failed (once). ``exc`` passes through untouched."""
        if self._ended:
            return
        self._ended = True
        try:
            self._end(response, error_type or error_type_of(exc), exc, end_reason)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "emitter.fail")
            _end_span_quietly(self.span)

    def _end(
        self, response: Response | None, error_type: str | None,
        exc: BaseException | None, end_reason: str | None,
    ) -> None:
        elapsed = time.perf_counter() - self._t0
        emitter = self.emitter
        request = self.request
        span = self.span
        recording = span.is_recording()
        attrs: dict[str, Any] = {}
        metric_attrs = _metric_attributes(request)
        usage = response.usage if response is not None else None
        outer = self._outer
        if usage is None and outer is not None and not outer._ended:
            # this provider call reported no usage: the framework call above
            # keeps its own, so the tokens are still counted once
            outer._delegated = False
        if self._delegated:
            attrs[n.LLMLENS_USAGE_DELEGATED] = True
            usage = None

        if response is not None:
            if response.id:
                attrs[n.GEN_AI_RESPONSE_ID] = response.id
            if response.model:
                attrs[n.GEN_AI_RESPONSE_MODEL] = response.model
                metric_attrs[n.GEN_AI_RESPONSE_MODEL] = response.model
            if response.finish_reasons:
                attrs[n.GEN_AI_RESPONSE_FINISH_REASONS] = [str(r) for r in response.finish_reasons]
            if response.status:
                attrs[n.GEN_AI_RESPONSE_STATUS] = response.status
            if response.embedding_dimension is not None:
                attrs[n.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = response.embedding_dimension
            extra = response.extra
            if extra:
                attrs.update(extra)
                for key in _METRIC_EXTRA_KEYS:
                    if key in extra:
                        metric_attrs[key] = extra[key]
        if usage is not None:
            _usage_attributes(usage, attrs)
        elif (
            not self._delegated and error_type is None
            and request.operation in n.INFERENCE_OPERATIONS
        ):
            attrs[n.LLMLENS_USAGE_UNAVAILABLE] = True
        if self._first_chunk is not None:
            ttfc = self._first_chunk - self._t0
            attrs[n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttfc
        if request.stream:
            attrs[n.LLMLENS_STREAM_CHUNKS] = self._chunks
            if end_reason:
                attrs[n.LLMLENS_STREAM_END] = end_reason
        if error_type is not None:
            attrs[n.ERROR_TYPE] = error_type
            metric_attrs[n.ERROR_TYPE] = error_type

        content = emitter.content
        if content.enabled or request.tool_definitions:
            details = _content_attributes(content, request, response)
        else:
            details = None

        if recording:
            span.set_attributes(attrs)
            if details and content.on_span:
                span.set_attributes({k: content.to_attribute(v) for k, v in details.items()})
            elif details and n.GEN_AI_TOOL_DEFINITIONS in details:
                # tool names and types are recorded whatever the capture mode
                span.set_attribute(
                    n.GEN_AI_TOOL_DEFINITIONS,
                    content.to_attribute(details[n.GEN_AI_TOOL_DEFINITIONS]),
                )
            if error_type is not None:
                # an exception message may quote user input: the content policy decides
                description = content.describe_error(exc, error_type)
                span.set_status(Status(StatusCode.ERROR, description[:_STATUS_DESCRIPTION_LIMIT]))

        if content.on_event and details and request.operation is not None:
            self._emit_details_event(span, attrs, details)
        if recording and hooks.span_ending_hooks:
            hooks.span_ending(span)
        span.end()

        # A delegated framework call is the same API call as the provider call
        # beneath it, which records its duration, chunks and tokens: recording
        # them here too would double the request rate on every dashboard.
        # Exemplars (trace-based by default) go where the dashboards read them,
        # duration and first chunk, and link this call's own span, not whatever
        # span is current when the call ends (the caller's, or none in a script
        # or a worker). Token and per-chunk points offer none: an exemplar costs
        # the SDK about as much again as the point.
        point_context = trace.set_span_in_context(span) if recording else None
        histogram = None if self._delegated else emitter._duration_histogram(request.operation)
        if histogram is not None:
            histogram.record(elapsed, metric_attrs, context=point_context)
        if usage is not None and request.operation in _USAGE_OPERATIONS:
            if usage.input_tokens is not None:
                emitter.token_usage.record(
                    usage.input_tokens, {**metric_attrs, n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT},
                    context=_NO_SPAN_CONTEXT)
            if usage.output_tokens is not None:
                emitter.token_usage.record(
                    usage.output_tokens, {**metric_attrs, n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_OUTPUT},
                    context=_NO_SPAN_CONTEXT)
        if self._first_chunk is not None and not self._delegated:
            emitter.time_to_first_chunk.record(
                self._first_chunk - self._t0, metric_attrs, context=point_context)
            self._record_intervals(metric_attrs)
        if hooks.call_ended_hooks:
            hooks.call_ended(self, response, error_type)

    def _record_intervals(self, metric_attrs: dict[str, Any]) -> None:
        """The time-per-chunk points, with no exemplar (the duration and
        first-chunk points link the span)."""
        intervals = self._intervals
        if not intervals:
            return
        mode = self.emitter.chunk_metric
        record = self.emitter.time_per_output_chunk.record
        if mode == CHUNK_METRIC_PER_CHUNK:
            for interval in intervals:
                record(interval, metric_attrs, context=_NO_SPAN_CONTEXT)
        elif mode == CHUNK_METRIC_PER_STREAM:
            record(sum(intervals) / len(intervals), metric_attrs, context=_NO_SPAN_CONTEXT)

    def _emit_details_event(
        self, span: trace.Span, attrs: dict[str, Any], details: dict[str, Any],
    ) -> None:
        event_attrs: dict[str, Any] = {}
        span_attrs = getattr(span, "attributes", None)
        if span_attrs:
            event_attrs.update(span_attrs)
        event_attrs.update(attrs)
        # on events, content is structured rather than a JSON string
        event_attrs.update(details)
        self.emitter.logger.emit(
            event_name=n.EVENT_INFERENCE_DETAILS,
            severity_number=SeverityNumber.DEBUG,
            attributes=event_attrs,
            context=trace.set_span_in_context(span),
        )


def _content_attributes(
    content: ContentPolicy, request: Request, response: Response | None,
) -> dict[str, Any]:
    """The opt-in content, cleaned (redacted, bounded); tool definitions
    reduced to names and types when content is off."""
    out: dict[str, Any] = {}
    if request.tool_definitions:
        if content.enabled:
            out[n.GEN_AI_TOOL_DEFINITIONS] = content.clean(list(request.tool_definitions))
        else:
            out[n.GEN_AI_TOOL_DEFINITIONS] = [
                {"type": d.get("type", "function"), "name": d.get("name")}
                for d in request.tool_definitions
            ]
    if not content.enabled:
        return out
    if request.system_instructions:
        out[n.GEN_AI_SYSTEM_INSTRUCTIONS] = content.clean(list(request.system_instructions))
    if request.input_messages:
        out[n.GEN_AI_INPUT_MESSAGES] = content.clean_messages(request.input_messages)
    if request.tool_call_arguments is not None:
        out[n.GEN_AI_TOOL_CALL_ARGUMENTS] = content.clean(request.tool_call_arguments)
    if request.retrieval_query is not None:
        out[n.GEN_AI_RETRIEVAL_QUERY_TEXT] = content.clean(request.retrieval_query)
    if response is not None:
        if response.output_messages:
            out[n.GEN_AI_OUTPUT_MESSAGES] = content.clean_messages(response.output_messages)
        if response.tool_call_result is not None:
            out[n.GEN_AI_TOOL_CALL_RESULT] = content.clean(response.tool_call_result)
        if response.retrieval_documents:
            out[n.GEN_AI_RETRIEVAL_DOCUMENTS] = content.clean(list(response.retrieval_documents))
    return out


def _end_span_quietly(span: trace.Span) -> None:
    try:
        span.end()
    except Exception:  # noqa: BLE001 - fail open
        pass

"""The emitter: a record in; span, metrics and content event out."""

from __future__ import annotations

import json
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode

from llmlens_semconv import CaptureMode, Emitter, Request, Response, Usage, hooks, parts
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

CHAT = dict(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI, model="gpt-4o-mini",
            server_address="api.openai.com", server_port=443)


def chat_response(**overrides: Any) -> Response:
    fields: dict[str, Any] = dict(
        id="chatcmpl-1", model="gpt-4o-mini-2024-07-18", finish_reasons=["tool_calls"],
        usage=Usage(input_tokens=120, output_tokens=30, cache_read_input_tokens=100,
                    reasoning_output_tokens=12),
    )
    fields.update(overrides)
    return Response(**fields)


# --- one span per operation type -------------------------------------------------

OPERATIONS = [
    pytest.param(Request(**CHAT, temperature=0.3, max_tokens=256, top_p=0.9, seed=7,
                         stop_sequences=["END"], choice_count=2),
                 "chat gpt-4o-mini", SpanKind.CLIENT, n.METRIC_OPERATION_DURATION, id="chat"),
    pytest.param(Request(operation=n.OP_TEXT_COMPLETION, provider=n.PROVIDER_OPENAI,
                         model="gpt-3.5-turbo-instruct"),
                 "text_completion gpt-3.5-turbo-instruct", SpanKind.CLIENT,
                 n.METRIC_OPERATION_DURATION, id="text_completion"),
    pytest.param(Request(operation=n.OP_EMBEDDINGS, provider=n.PROVIDER_OPENAI,
                         model="text-embedding-3-small", encoding_formats=["float"]),
                 "embeddings text-embedding-3-small", SpanKind.CLIENT,
                 n.METRIC_OPERATION_DURATION, id="embeddings"),
    pytest.param(Request(operation=n.OP_EXECUTE_TOOL, tool_name="get_weather",
                         tool_call_id="call_1", tool_type="function"),
                 "execute_tool get_weather", SpanKind.INTERNAL, n.METRIC_EXECUTE_TOOL_DURATION,
                 id="execute_tool"),
    pytest.param(Request(operation=n.OP_RETRIEVAL, data_source_id="docs-index",
                         retrieval_top_k=4),
                 "retrieval docs-index", SpanKind.CLIENT, n.METRIC_OPERATION_DURATION,
                 id="retrieval"),
    pytest.param(Request(operation=n.OP_INVOKE_AGENT, agent_name="planner", agent_id="a-1"),
                 "invoke_agent planner", SpanKind.INTERNAL, n.METRIC_INVOKE_AGENT_DURATION,
                 id="invoke_agent"),
    pytest.param(Request(operation=n.OP_INVOKE_WORKFLOW, workflow_name="rag"),
                 "invoke_workflow rag", SpanKind.INTERNAL, n.METRIC_WORKFLOW_DURATION,
                 id="invoke_workflow"),
]


@pytest.mark.parametrize(("request_", "span_name", "kind", "duration_metric"), OPERATIONS)
def test_each_operation_gives_one_span_and_its_duration(
    emitter: Emitter, telemetry: Telemetry, request_: Request, span_name: str,
    kind: SpanKind, duration_metric: str,
) -> None:
    emitter.start(request_).finish(Response())
    span = telemetry.span()
    assert span.name == span_name
    assert span.kind == kind
    assert span.attributes[n.GEN_AI_OPERATION_NAME] == request_.operation
    assert span.status.status_code == StatusCode.UNSET
    points = telemetry.metric_points(duration_metric)
    assert len(points) == 1
    assert points[0].attributes[n.GEN_AI_OPERATION_NAME] == request_.operation
    assert points[0].count == 1


def test_chat_attributes_follow_the_conventions(emitter: Emitter, telemetry: Telemetry) -> None:
    call = emitter.start(Request(**CHAT, temperature=0.3, max_tokens=256, top_p=0.9, seed=7,
                                 stop_sequences=["END"], choice_count=2, stream=False,
                                 extra={n.OPENAI_API_TYPE: n.OPENAI_API_TYPE_CHAT_COMPLETIONS}))
    call.finish(chat_response(extra={n.OPENAI_RESPONSE_SERVICE_TIER: "default"}))
    a = telemetry.span().attributes
    assert a[n.GEN_AI_PROVIDER_NAME] == "openai"
    assert a[n.GEN_AI_REQUEST_MODEL] == "gpt-4o-mini"
    assert a[n.SERVER_ADDRESS] == "api.openai.com" and a[n.SERVER_PORT] == 443
    assert a[n.GEN_AI_REQUEST_TEMPERATURE] == 0.3
    assert a[n.GEN_AI_REQUEST_MAX_TOKENS] == 256
    assert a[n.GEN_AI_REQUEST_SEED] == 7
    assert tuple(a[n.GEN_AI_REQUEST_STOP_SEQUENCES]) == ("END",)
    assert a[n.GEN_AI_REQUEST_CHOICE_COUNT] == 2
    assert n.GEN_AI_REQUEST_STREAM not in a  # set only when streaming
    assert a[n.GEN_AI_RESPONSE_ID] == "chatcmpl-1"
    assert a[n.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
    assert tuple(a[n.GEN_AI_RESPONSE_FINISH_REASONS]) == ("tool_calls",)
    assert a[n.GEN_AI_USAGE_INPUT_TOKENS] == 120
    assert a[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 30
    assert a[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 100
    assert a[n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 12
    assert a[n.OPENAI_API_TYPE] == "chat_completions"
    assert a[n.OPENAI_RESPONSE_SERVICE_TIER] == "default"


def test_choice_count_of_one_is_not_recorded(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(**CHAT, choice_count=1)).finish()
    assert n.GEN_AI_REQUEST_CHOICE_COUNT not in telemetry.span().attributes


def test_token_usage_metric_per_type(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(**CHAT)).finish(chat_response())
    points = telemetry.metric_points(n.METRIC_TOKEN_USAGE)
    by_type = {p.attributes[n.GEN_AI_TOKEN_TYPE]: p for p in points}
    assert by_type["input"].sum == 120 and by_type["output"].sum == 30
    attrs = by_type["input"].attributes
    assert attrs[n.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
    assert attrs[n.GEN_AI_PROVIDER_NAME] == "openai"
    # the conventions' advisory bucket boundaries reach the data points
    assert tuple(by_type["input"].explicit_bounds) == n.TOKEN_BUCKETS


def test_zero_counts_kept_except_per_modality_subsets(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    usage = Usage(input_tokens=10, output_tokens=0, cache_read_input_tokens=0,
                  reasoning_output_tokens=0, audio_input_tokens=0, audio_output_tokens=3,
                  image_input_tokens=0)
    emitter.start(Request(**CHAT)).finish(Response(model="m", usage=usage))
    a = telemetry.span().attributes
    assert a[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 0
    assert a[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 0
    assert a[n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 0
    assert a[n.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS] == 3
    assert n.GEN_AI_USAGE_AUDIO_INPUT_TOKENS not in a
    assert n.GEN_AI_USAGE_IMAGE_INPUT_TOKENS not in a


def test_duration_uses_advisory_buckets(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(**CHAT)).finish(chat_response())
    (point,) = telemetry.metric_points(n.METRIC_OPERATION_DURATION)
    assert tuple(point.explicit_bounds) == n.DURATION_BUCKETS
    assert point.attributes[n.SERVER_PORT] == 443


def test_missing_usage_records_no_token_metric_and_says_so(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    emitter.start(Request(**CHAT, stream=True)).finish(Response(id="x"))
    assert telemetry.metric_points(n.METRIC_TOKEN_USAGE) == []
    a = telemetry.span().attributes
    assert a[n.LLMLENS_USAGE_UNAVAILABLE] is True
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in a


def test_embeddings_dimension_and_input_tokens(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(operation=n.OP_EMBEDDINGS, provider="openai",
                          model="text-embedding-3-small")).finish(
        Response(model="text-embedding-3-small", embedding_dimension=1536,
                 usage=Usage(input_tokens=8)))
    a = telemetry.span().attributes
    assert a[n.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 1536
    assert a[n.GEN_AI_USAGE_INPUT_TOKENS] == 8
    (point,) = telemetry.metric_points(n.METRIC_TOKEN_USAGE)
    assert point.attributes[n.GEN_AI_TOKEN_TYPE] == "input" and point.sum == 8


# --- errors -------------------------------------------------------------------------

class RateLimitError(Exception):
    pass


def test_failure_marks_span_and_metric(emitter: Emitter, telemetry: Telemetry) -> None:
    call = emitter.start(Request(**CHAT, temperature=0.1))
    call.fail(RateLimitError("slow down"))
    span = telemetry.span()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == "RateLimitError"
    # request parameters set at start survive the failure
    assert span.attributes[n.GEN_AI_REQUEST_TEMPERATURE] == 0.1
    (point,) = telemetry.metric_points(n.METRIC_OPERATION_DURATION)
    assert point.attributes[n.ERROR_TYPE] == "RateLimitError"
    assert n.LLMLENS_USAGE_UNAVAILABLE not in span.attributes


def test_explicit_error_type_wins(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(**CHAT)).fail(RuntimeError("x"), error_type="overloaded_error")
    assert telemetry.span().attributes[n.ERROR_TYPE] == "overloaded_error"


def test_a_call_ends_exactly_once(emitter: Emitter, telemetry: Telemetry) -> None:
    call = emitter.start(Request(**CHAT))
    call.finish(chat_response())
    call.finish(chat_response())
    call.fail(RuntimeError("late"))
    assert len(telemetry.spans()) == 1
    assert telemetry.span().status.status_code == StatusCode.UNSET
    assert telemetry.histogram_count(n.METRIC_OPERATION_DURATION) == 1
    assert call.ended


# --- content policy -----------------------------------------------------------------

def content_request(**extra: Any) -> Request:
    return Request(
        **CHAT,
        system_instructions=[parts.text("be terse")],
        input_messages=[parts.message("user", [parts.text("what is the weather?")])],
        tool_definitions=[parts.tool_definition(
            "get_weather", description="secret description",
            parameters={"type": "object"})],
        **extra,
    )


def content_response() -> Response:
    return chat_response(output_messages=[parts.message(
        "assistant", [parts.tool_call("get_weather", {"city": "Paris"}, "call_1")],
        finish_reason="tool_call")])


def test_no_content_by_default_but_tool_names(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(content_request()).finish(content_response())
    a = telemetry.span().attributes
    for key in (n.GEN_AI_INPUT_MESSAGES, n.GEN_AI_OUTPUT_MESSAGES, n.GEN_AI_SYSTEM_INSTRUCTIONS):
        assert key not in a
    assert json.loads(a[n.GEN_AI_TOOL_DEFINITIONS]) == [{"type": "function", "name": "get_weather"}]
    assert "secret description" not in str(dict(a))
    assert telemetry.logs() == []


def test_span_only_puts_json_on_the_span(make_emitter: Any, telemetry: Telemetry) -> None:
    make_emitter(CaptureMode.SPAN_ONLY).start(content_request()).finish(content_response())
    a = telemetry.span().attributes
    assert json.loads(a[n.GEN_AI_INPUT_MESSAGES]) == [
        {"role": "user", "parts": [{"type": "text", "content": "what is the weather?"}]}]
    assert json.loads(a[n.GEN_AI_SYSTEM_INSTRUCTIONS]) == [{"type": "text", "content": "be terse"}]
    out = json.loads(a[n.GEN_AI_OUTPUT_MESSAGES])
    assert out[0]["parts"][0] == {"type": "tool_call", "id": "call_1", "name": "get_weather",
                                  "arguments": {"city": "Paris"}}
    assert json.loads(a[n.GEN_AI_TOOL_DEFINITIONS])[0]["description"] == "secret description"
    assert telemetry.logs() == []


def test_event_only_emits_structured_details_event(make_emitter: Any, telemetry: Telemetry) -> None:
    make_emitter(CaptureMode.EVENT_ONLY).start(content_request()).finish(content_response())
    span = telemetry.span()
    assert n.GEN_AI_INPUT_MESSAGES not in span.attributes
    (record,) = telemetry.logs()
    assert record.event_name == n.EVENT_INFERENCE_DETAILS
    assert record.trace_id == span.context.trace_id
    assert record.span_id == span.context.span_id
    attrs = record.attributes
    assert attrs[n.GEN_AI_OPERATION_NAME] == "chat"
    assert attrs[n.GEN_AI_USAGE_INPUT_TOKENS] == 120
    messages = attrs[n.GEN_AI_INPUT_MESSAGES]
    assert messages[0]["role"] == "user"
    assert messages[0]["parts"][0]["content"] == "what is the weather?"


def test_span_and_event_records_both(make_emitter: Any, telemetry: Telemetry) -> None:
    make_emitter(CaptureMode.SPAN_AND_EVENT).start(content_request()).finish(content_response())
    assert n.GEN_AI_OUTPUT_MESSAGES in telemetry.span().attributes
    assert len(telemetry.logs()) == 1


def test_tool_and_retrieval_content_follow_the_policy(
    make_emitter: Any, telemetry: Telemetry,
) -> None:
    for mode in (CaptureMode.NO_CONTENT, CaptureMode.SPAN_ONLY):
        telemetry.clear()
        emitter = make_emitter(mode)
        emitter.start(Request(operation=n.OP_EXECUTE_TOOL, tool_name="lookup",
                              tool_call_arguments={"q": "MARKER-args"})).finish(
            Response(tool_call_result="MARKER-result"))
        emitter.start(Request(operation=n.OP_RETRIEVAL, data_source_id="idx",
                              retrieval_query="MARKER-query")).finish(
            Response(retrieval_documents=[{"id": "d1", "score": 0.9, "content": "MARKER-doc"}]))
        text = " ".join(str(v) for s in telemetry.spans() for v in s.attributes.values())
        if mode is CaptureMode.NO_CONTENT:
            assert "MARKER" not in text
        else:
            for marker in ("MARKER-args", "MARKER-result", "MARKER-query", "MARKER-doc"):
                assert marker in text


def test_content_is_bounded(make_emitter: Any, telemetry: Telemetry) -> None:
    emitter = make_emitter(CaptureMode.SPAN_ONLY, max_length=200)
    emitter.start(Request(**CHAT, input_messages=[
        parts.message("user", [parts.text("x" * 10_000)])])).finish(chat_response())
    value = telemetry.span().attributes[n.GEN_AI_INPUT_MESSAGES]
    assert len(value) <= 200
    assert "truncated" in value


# --- counted once -------------------------------------------------------------------

def test_provider_call_under_framework_call_takes_the_usage(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    outer = emitter.start(Request(**CHAT, framework=True))
    with outer.activated():
        inner = emitter.start(Request(**CHAT))
        inner.finish(chat_response())
    outer.finish(chat_response())
    spans = {s.attributes.get(n.LLMLENS_USAGE_DELEGATED, False): s for s in telemetry.spans()}
    framework, provider = spans[True], spans[False]
    assert provider.parent.span_id == framework.context.span_id
    assert n.GEN_AI_USAGE_INPUT_TOKENS in provider.attributes
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in framework.attributes
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: "input"}) == 120


def test_framework_call_alone_keeps_its_usage(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(**CHAT, framework=True)).finish(chat_response())
    assert telemetry.span().attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 30
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: "output"}) == 30


def test_activated_restores_the_previous_context(emitter: Emitter) -> None:
    before = trace.get_current_span()
    call = emitter.start(Request(**CHAT))
    with call.activated():
        assert trace.get_current_span() is call.span
    assert trace.get_current_span() is before
    call.finish()


def test_parent_context_is_honoured(emitter: Emitter, telemetry: Telemetry) -> None:
    workflow = emitter.start(Request(operation=n.OP_INVOKE_WORKFLOW, workflow_name="wf"))
    tool = emitter.start(Request(operation=n.OP_EXECUTE_TOOL, tool_name="t"),
                         parent=workflow.context())
    tool.finish()
    workflow.finish()
    by_name = {s.name: s for s in telemetry.spans()}
    assert by_name["execute_tool t"].parent.span_id == by_name["invoke_workflow wf"].context.span_id


# --- hooks and failing open -----------------------------------------------------------

def test_hooks_add_attributes(emitter: Emitter, telemetry: Telemetry) -> None:
    def team() -> dict[str, str]:
        return {n.LLMLENS_TEAM: "search"}

    def start(request: Request) -> dict[str, str]:
        return {n.GEN_AI_PROMPT_NAME: "greeting"}

    hooks.add_metric_attributes_hook(team)
    hooks.add_span_start_hook(start)
    try:
        emitter.start(Request(**CHAT)).finish(chat_response())
    finally:
        hooks.remove_hook(team)
        hooks.remove_hook(start)
    assert telemetry.span().attributes[n.GEN_AI_PROMPT_NAME] == "greeting"
    (point,) = telemetry.metric_points(n.METRIC_OPERATION_DURATION)
    assert point.attributes[n.LLMLENS_TEAM] == "search"


def test_a_broken_hook_never_breaks_the_call(emitter: Emitter, telemetry: Telemetry) -> None:
    def broken(*_: Any) -> None:
        raise ValueError("hook bug")

    hooks.add_metric_attributes_hook(broken)
    hooks.add_span_start_hook(broken)
    hooks.add_call_ended_hook(broken)
    try:
        emitter.start(Request(**CHAT)).finish(chat_response())
    finally:
        hooks.remove_hook(broken)
    assert len(telemetry.spans()) == 1
    (point,) = telemetry.metric_points(n.METRIC_OPERATION_DURATION)
    assert point.count == 1


def test_metric_hooks_merge_and_a_broken_one_is_skipped(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    def team() -> dict[str, str]:
        return {n.LLMLENS_TEAM: "search"}

    def tenant() -> dict[str, str]:
        return {n.LLMLENS_TENANT: "acme"}

    def broken() -> None:
        raise ValueError("hook bug")

    for hook in (team, broken, tenant):
        hooks.add_metric_attributes_hook(hook)
    try:
        emitter.start(Request(**CHAT)).finish(chat_response())
    finally:
        for hook in (team, broken, tenant):
            hooks.remove_hook(hook)
    (point,) = telemetry.metric_points(n.METRIC_OPERATION_DURATION)
    assert point.attributes[n.LLMLENS_TEAM] == "search"
    assert point.attributes[n.LLMLENS_TENANT] == "acme"


def test_a_failing_tracer_never_raises(telemetry: Telemetry) -> None:
    class BrokenTracer:
        def start_span(self, *_: Any, **__: Any) -> None:
            raise RuntimeError("tracer bug")

    emitter = Emitter("t", **telemetry.providers())
    emitter.tracer = BrokenTracer()  # type: ignore[assignment]
    call = emitter.start(Request(**CHAT))
    call.finish(chat_response())  # must not raise
    assert call.ended


def test_a_failing_span_end_never_raises(emitter: Emitter, telemetry: Telemetry) -> None:
    call = emitter.start(Request(**CHAT))
    call.span.set_attributes = None  # type: ignore[method-assign]
    call.finish(chat_response())
    assert call.ended
    assert len(telemetry.spans()) == 1  # still ended and exported


def test_custom_span_name_without_operation(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(operation=None, provider=n.PROVIDER_ANTHROPIC,
                          span_name="messages.count_tokens")).finish()
    span = telemetry.span()
    assert span.name == "messages.count_tokens"
    assert n.GEN_AI_OPERATION_NAME not in span.attributes
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == "anthropic"
    assert telemetry.metric_points(n.METRIC_OPERATION_DURATION) == []


def test_delegated_framework_call_records_no_duplicate_request(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    outer = emitter.start(Request(**CHAT, framework=True, stream=True))
    with outer.activated():
        inner = emitter.start(Request(**CHAT, stream=True))
        inner.chunk()
        inner.chunk()
        inner.finish(chat_response())
    outer.chunk()
    outer.chunk()
    outer.finish(chat_response())
    # one API call: one duration point, one first-chunk point, one set of tokens
    assert telemetry.histogram_count(n.METRIC_OPERATION_DURATION) == 1
    assert telemetry.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1
    assert telemetry.histogram_count(n.METRIC_TOKEN_USAGE) == 2

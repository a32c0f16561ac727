"""Streaming responses end their spans on every exit path; errors mark the
failing step and its ancestors; the user's exception passes unchanged."""

from __future__ import annotations

import gc

import pytest
from llama_index.core.llms import MockLLM
from llama_index.core.tools import FunctionTool
from llms import BackendDown, FailingLLM
from opentelemetry import context as otel_context
from opentelemetry.trace import StatusCode
from trees import is_child, one, trace_ids

from llmlens_semconv import names as n

QUESTION = "What is the capital of France?"


def _names(telemetry):
    return sorted(s.name.split(" ")[0] for s in telemetry.spans())


def test_streaming_query_spans_stay_open_until_the_stream_is_consumed(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=6), streaming=True)
    telemetry.clear()

    response = engine.query(QUESTION)
    assert _names(telemetry) == ["embeddings", "retrieval"]

    tokens = list(response.response_gen)

    assert "".join(tokens).strip() == "text text text text text text"
    spans = telemetry.spans()
    query = one(spans, "invoke_workflow")
    synthesis = one(spans, "synthesize")
    llm = one(spans, "text_completion MockLLM")
    assert len(trace_ids(spans)) == 1
    assert is_child(spans, llm, synthesis)
    assert is_child(spans, synthesis, query)
    assert llm.attributes[n.GEN_AI_REQUEST_STREAM] is True
    assert llm.attributes[n.LLMLENS_STREAM_CHUNKS] == 6
    assert llm.attributes[n.LLMLENS_STREAM_END] == "completed"
    assert llm.attributes[n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0
    assert telemetry.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1
    assert telemetry.histogram_count(n.METRIC_TIME_PER_OUTPUT_CHUNK) == 5
    # the query span lasts as long as the answer streams
    assert query.end_time >= llm.end_time


async def test_async_streaming_query(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=4), streaming=True)
    telemetry.clear()

    response = await engine.aquery(QUESTION)
    tokens = [t async for t in response.async_response_gen()]

    assert len(tokens) == 4
    spans = telemetry.spans()
    assert len(trace_ids(spans)) == 1
    llm = one(spans, "text_completion MockLLM")
    assert is_child(spans, llm, one(spans, "synthesize"))
    assert llm.attributes[n.LLMLENS_STREAM_CHUNKS] == 4


def test_abandoned_streaming_query_ends_every_span_once(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=10), streaming=True)
    telemetry.clear()

    response = engine.query(QUESTION)
    stream = response.response_gen
    assert next(stream) == "text "
    del stream, response
    gc.collect()

    assert _names(telemetry) == [
        "embeddings", "invoke_workflow", "retrieval", "synthesize", "text_completion"]
    llm = one(telemetry.spans(), "text_completion")
    assert llm.attributes[n.LLMLENS_STREAM_END] in ("closed", "abandoned")
    assert llm.status.status_code is StatusCode.UNSET
    assert telemetry.histogram_count(
        n.METRIC_OPERATION_DURATION, **{n.GEN_AI_OPERATION_NAME: n.OP_TEXT_COMPLETION}) == 1


def test_closed_llm_stream_ends_its_span(telemetry):
    llm = MockLLM(max_tokens=10)
    telemetry.clear()

    stream = llm.stream_complete("hi")
    next(stream)
    next(stream)
    assert telemetry.spans() == []
    stream.close()

    span = one(telemetry.spans(), "text_completion MockLLM")
    assert span.attributes[n.LLMLENS_STREAM_END] == "closed"
    assert span.attributes[n.LLMLENS_STREAM_CHUNKS] == 2


def test_garbage_collected_llm_stream_ends_its_span(telemetry):
    llm = MockLLM(max_tokens=10)
    telemetry.clear()

    stream = llm.stream_complete("hi")
    del stream
    gc.collect()

    span = one(telemetry.spans(), "text_completion MockLLM")
    assert span.attributes[n.LLMLENS_STREAM_CHUNKS] == 0
    assert span.attributes[n.LLMLENS_STREAM_END] == "abandoned"


def test_error_marks_the_failing_llm_and_its_ancestors(telemetry, index):
    engine = index.as_query_engine(llm=FailingLLM())
    telemetry.clear()

    with pytest.raises(BackendDown) as raised:
        engine.query(QUESTION)

    assert str(raised.value) == "backend unavailable"
    spans = telemetry.spans()
    failed = {s.name.split(" ")[0] for s in spans if s.status.status_code is StatusCode.ERROR}
    assert failed == {"text_completion", "synthesize", "invoke_workflow"}
    for span in spans:
        if span.name.split(" ")[0] in failed:
            assert span.attributes[n.ERROR_TYPE] == "BackendDown"
    retrieval = one(spans, "retrieval")
    assert retrieval.status.status_code is StatusCode.UNSET
    assert telemetry.histogram_count(
        n.METRIC_OPERATION_DURATION, **{n.ERROR_TYPE: "BackendDown"}) == 1


def test_error_in_the_middle_of_a_stream_fails_the_stream_and_the_query(telemetry, index):
    engine = index.as_query_engine(llm=FailingLLM(fail_after=2), streaming=True)
    telemetry.clear()
    response = engine.query(QUESTION)

    received = []
    with pytest.raises(BackendDown):
        for token in response.response_gen:
            received.append(token)

    assert len(received) == 2
    spans = telemetry.spans()
    llm = one(spans, "text_completion failing-model")
    assert llm.status.status_code is StatusCode.ERROR
    assert llm.attributes[n.LLMLENS_STREAM_CHUNKS] == 2
    assert one(spans, "invoke_workflow").status.status_code is StatusCode.ERROR
    assert one(spans, "synthesize").status.status_code is StatusCode.ERROR
    assert len(spans) == 5


def test_streaming_consumption_leaks_no_context(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=3), streaming=True)
    before = otel_context.get_current()
    response = engine.query(QUESTION)
    for _ in response.response_gen:
        assert otel_context.get_current() is before
    assert otel_context.get_current() is before


def test_tool_call_is_execute_tool(telemetry):
    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    tool = FunctionTool.from_defaults(fn=multiply)
    telemetry.clear()

    output = tool.call(a=6, b=7)

    assert output.raw_output == 42
    span = one(telemetry.spans(), "execute_tool multiply")
    assert span.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_EXECUTE_TOOL
    assert span.attributes[n.GEN_AI_TOOL_NAME] == "multiply"
    assert span.attributes[n.GEN_AI_TOOL_TYPE] == "function"
    assert n.GEN_AI_TOOL_CALL_ARGUMENTS not in span.attributes
    assert len(telemetry.spans()) == 1
    assert telemetry.histogram_count(n.METRIC_EXECUTE_TOOL_DURATION) == 1


def test_tool_arguments_and_result_are_opt_in(content_telemetry):
    import json

    def multiply(a: int, b: int) -> int:
        """Multiply two integers."""
        return a * b

    tool = FunctionTool.from_defaults(fn=multiply)
    content_telemetry.clear()

    tool.call(a=6, b=7)

    span = one(content_telemetry.spans(), "execute_tool multiply")
    assert json.loads(span.attributes[n.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"a": 6, "b": 7}
    assert span.attributes[n.GEN_AI_TOOL_CALL_RESULT] == "42"


def test_failing_tool_marks_its_span_and_raises_the_same_exception(telemetry):
    error = ValueError("bad input")

    def broken(x: int) -> int:
        """Always fails."""
        raise error

    tool = FunctionTool.from_defaults(fn=broken)
    telemetry.clear()

    with pytest.raises(ValueError) as raised:
        tool.call(x=1)

    assert raised.value is error
    span = one(telemetry.spans(), "execute_tool broken")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == "ValueError"


def _assert_chat_engine_trace(telemetry):
    import time

    # the engine writes the answer to its memory on a thread: wait for its end
    for _ in range(100):
        if len(telemetry.spans()) == 2:
            break
        time.sleep(0.01)
    spans = telemetry.spans()
    engine = one(spans, "invoke_workflow SimpleChatEngine")
    llm = one(spans, "chat MockLLM")
    assert is_child(spans, llm, engine)
    assert llm.attributes[n.LLMLENS_STREAM_CHUNKS] == 4
    assert llm.attributes[n.LLMLENS_STREAM_END] == "completed"


def test_streaming_chat_engine_is_one_trace(telemetry):
    from llama_index.core.chat_engine import SimpleChatEngine

    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=4))
    telemetry.clear()

    response = engine.stream_chat("hello")
    tokens = list(response.response_gen)

    assert len(tokens) == 4
    _assert_chat_engine_trace(telemetry)


async def test_async_streaming_chat_engine_is_one_trace(telemetry):
    from llama_index.core.chat_engine import SimpleChatEngine

    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=4))
    telemetry.clear()

    response = await engine.astream_chat("hello")
    tokens = [t async for t in response.async_response_gen()]

    assert len(tokens) == 4
    _assert_chat_engine_trace(telemetry)


async def test_cancelled_async_query_ends_every_span(telemetry, index):
    import asyncio

    from llms import SlowLLM

    engine = index.as_query_engine(llm=SlowLLM())
    telemetry.clear()
    before = otel_context.get_current()

    task = asyncio.create_task(engine.aquery(QUESTION))
    for _ in range(200):
        if any(s.name.startswith("retrieval") for s in telemetry.spans()):
            break
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert otel_context.get_current() is before
    spans = telemetry.spans()
    cancelled = {s.name.split(" ")[0] for s in spans if s.status.status_code is StatusCode.ERROR}
    assert cancelled == {"text_completion", "synthesize", "invoke_workflow"}
    llm = one(spans, "text_completion slow-model")
    assert llm.attributes[n.ERROR_TYPE] == "CancelledError"
    from llmlens_llama_index import LlamaIndexInstrumentor

    assert LlamaIndexInstrumentor.tracer().open == {}

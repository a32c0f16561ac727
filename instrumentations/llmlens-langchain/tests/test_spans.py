"""The span tree, attributes and metrics for chains, models, tools and
retrievers, with langchain-core's fake models (no SDK involved)."""

from __future__ import annotations

import json

import pytest
from fakes import USAGE, ListRetriever, chat_model, reply
from langchain_core.documents import Document
from langchain_core.language_models.fake import FakeListLLM
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from opentelemetry.trace import SpanKind, StatusCode

from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry, iter_all_text


def _prompt() -> ChatPromptTemplate:
    return ChatPromptTemplate.from_messages([("system", "be brief"), ("user", "{q}")])


def _parent_of(telemetry: Telemetry, name: str) -> str | None:
    span = telemetry.span(name)
    by_id = {s.context.span_id: s.name for s in telemetry.spans()}
    return by_id.get(span.parent.span_id) if span.parent else None


def test_chain_tree_and_chat_span(telemetry: Telemetry) -> None:
    chain = _prompt() | chat_model() | StrOutputParser()
    assert chain.invoke({"q": "hi"}) == "hello there world"

    root = telemetry.span("invoke_workflow RunnableSequence")
    assert root.kind is SpanKind.INTERNAL
    assert root.parent is None
    assert root.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_INVOKE_WORKFLOW
    assert root.attributes[n.GEN_AI_WORKFLOW_NAME] == "RunnableSequence"
    for step in ("ChatPromptTemplate", "chat", "StrOutputParser"):
        assert _parent_of(telemetry, step) == "invoke_workflow RunnableSequence"
    chat = telemetry.span("chat")
    assert chat.kind is SpanKind.CLIENT
    assert chat.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_CHAT
    assert chat.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == USAGE["input_tokens"]
    assert chat.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == USAGE["output_tokens"]
    assert n.LLMLENS_USAGE_DELEGATED not in chat.attributes
    assert all(s.context.trace_id == root.context.trace_id for s in telemetry.spans())
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == USAGE["input_tokens"]
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_OUTPUT}) == USAGE["output_tokens"]
    assert telemetry.histogram_count(n.METRIC_WORKFLOW_DURATION) == 1


def test_streaming_sets_stream_and_time_to_first_chunk(telemetry: Telemetry) -> None:
    chain = _prompt() | chat_model()
    chunks = [c.content for c in chain.stream({"q": "hi"})]
    assert "".join(chunks) == "hello there world"

    chat = telemetry.span("chat")
    assert chat.attributes[n.GEN_AI_REQUEST_STREAM] is True
    assert chat.attributes[n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] >= 0
    # "hello", " ", "there", " ", "world": LangChain's closing marker is not a chunk
    assert chat.attributes[n.LLMLENS_STREAM_CHUNKS] == 5
    assert telemetry.histogram_count(n.METRIC_TIME_TO_FIRST_CHUNK) == 1
    assert telemetry.histogram_count(n.METRIC_TIME_PER_OUTPUT_CHUNK) == 4


async def test_async_invoke_and_stream(telemetry: Telemetry) -> None:
    chain = _prompt() | chat_model(repeat=2) | StrOutputParser()
    assert await chain.ainvoke({"q": "hi"}) == "hello there world"
    assert "".join([c async for c in chain.astream({"q": "hi"})]) == "hello there world"

    roots = [s for s in telemetry.spans() if s.name == "invoke_workflow RunnableSequence"]
    chats = [s for s in telemetry.spans() if s.name == "chat"]
    assert len(roots) == 2 and len(chats) == 2
    assert {c.parent.span_id for c in chats} == {r.context.span_id for r in roots}
    assert [n.GEN_AI_REQUEST_STREAM in c.attributes for c in chats] == [False, True]


def test_batch_gives_one_tree_per_input(telemetry: Telemetry) -> None:
    chain = _prompt() | chat_model(repeat=3) | StrOutputParser()
    assert chain.batch([{"q": "a"}, {"q": "b"}, {"q": "c"}]) == ["hello there world"] * 3

    roots = [s for s in telemetry.spans() if s.name.startswith("invoke_workflow")]
    chats = [s for s in telemetry.spans() if s.name == "chat"]
    assert len(roots) == 3 and len({r.context.trace_id for r in roots}) == 3
    assert sorted(c.parent.span_id for c in chats) == sorted(r.context.span_id for r in roots)
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == 3 * USAGE["input_tokens"]


def test_text_completion_llm(telemetry: Telemetry) -> None:
    llm = FakeListLLM(responses=["forty-two"])
    assert llm.invoke("meaning?") == "forty-two"
    span = telemetry.span("text_completion")
    assert span.kind is SpanKind.CLIENT
    assert span.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_TEXT_COMPLETION
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == "fakelist"


def test_tool_span_with_call_id(telemetry: Telemetry) -> None:
    @tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    message = add.invoke({"name": "add", "args": {"a": 2, "b": 3}, "id": "call_42",
                          "type": "tool_call"})
    assert message.content == "5"
    span = telemetry.span("execute_tool add")
    assert span.kind is SpanKind.INTERNAL
    assert span.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_EXECUTE_TOOL
    assert span.attributes[n.GEN_AI_TOOL_NAME] == "add"
    assert span.attributes[n.GEN_AI_TOOL_CALL_ID] == "call_42"
    assert span.attributes[n.GEN_AI_TOOL_DESCRIPTION] == "Add two numbers."
    assert n.GEN_AI_TOOL_CALL_ARGUMENTS not in span.attributes
    assert n.GEN_AI_TOOL_CALL_RESULT not in span.attributes
    assert telemetry.histogram_count(n.METRIC_EXECUTE_TOOL_DURATION, **{
        n.GEN_AI_TOOL_NAME: "add"}) == 1


def test_tool_error_sets_status_and_error_type(telemetry: Telemetry, handler) -> None:
    @tool
    def explode(x: str) -> str:
        """Always fails."""
        raise KeyError(x)

    chain = RunnableLambda(lambda q: {"x": q}) | explode
    with pytest.raises(KeyError):
        chain.invoke("boom")
    span = telemetry.span("execute_tool explode")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == "KeyError"
    root = telemetry.span("invoke_workflow RunnableSequence")
    assert root.status.status_code is StatusCode.ERROR
    assert root.attributes[n.ERROR_TYPE] == "KeyError"
    assert len(handler.runs) == 0


def test_chat_model_error(telemetry: Telemetry, handler) -> None:
    model = chat_model()
    model.messages = iter([])  # exhausted: the fake raises
    with pytest.raises(Exception) as raised:
        model.invoke("hi")
    span = telemetry.span("chat")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == type(raised.value).__qualname__
    assert n.LLMLENS_USAGE_UNAVAILABLE not in span.attributes
    assert len(handler.runs) == 0


def test_retriever_span(telemetry: Telemetry) -> None:
    retriever = ListRetriever(docs=[Document(page_content="Paris is in France", id="d1"),
                                    Document(page_content="Rome is in Italy", id="d2")])
    assert [d.id for d in retriever.invoke("paris")] == ["d1"]
    span = telemetry.span("retrieval ListRetriever")
    assert span.kind is SpanKind.CLIENT
    assert span.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_RETRIEVAL
    assert span.attributes[n.GEN_AI_DATA_SOURCE_ID] == "ListRetriever"
    assert n.GEN_AI_RETRIEVAL_QUERY_TEXT not in span.attributes


def test_hidden_runs_get_no_span_and_children_reparent(telemetry: Telemetry) -> None:
    inner = RunnableLambda(lambda x: x + 1).with_config(run_name="visible")
    hidden = RunnableLambda(lambda x: inner.invoke(x)).with_config(
        tags=["langsmith:hidden"], run_name="plumbing")
    outer = RunnableLambda(lambda x: hidden.invoke(x)).with_config(run_name="outer")
    assert outer.invoke(1) == 2
    assert [s.name for s in telemetry.spans()] == ["visible", "invoke_workflow outer"]
    assert _parent_of(telemetry, "visible") == "invoke_workflow outer"


def test_content_off_by_default(telemetry: Telemetry) -> None:
    chain = _prompt() | chat_model() | StrOutputParser()
    chain.invoke({"q": "secret question"})
    text = " ".join(iter_all_text(telemetry))
    assert "secret question" not in text and "hello there world" not in text


def test_content_opt_in_model_tool_retriever(content_telemetry: Telemetry) -> None:
    telemetry = content_telemetry
    model = chat_model(reply("the answer", response_metadata={"finish_reason": "stop"}))
    model.invoke([SystemMessage("be brief"), HumanMessage("the question")])
    chat = telemetry.span("chat")
    inputs = json.loads(chat.attributes[n.GEN_AI_INPUT_MESSAGES])
    assert inputs == [
        {"role": "system", "parts": [{"type": "text", "content": "be brief"}]},
        {"role": "user", "parts": [{"type": "text", "content": "the question"}]},
    ]
    outputs = json.loads(chat.attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs == [{"role": "assistant", "finish_reason": "stop",
                        "parts": [{"type": "text", "content": "the answer"}]}]
    assert chat.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)

    @tool
    def shout(text: str) -> str:
        """Upper-case the text."""
        return text.upper()

    shout.invoke({"name": "shout", "args": {"text": "hey"}, "id": "c1", "type": "tool_call"})
    span = telemetry.span("execute_tool shout")
    assert json.loads(span.attributes[n.GEN_AI_TOOL_CALL_ARGUMENTS]) == {"text": "hey"}
    assert span.attributes[n.GEN_AI_TOOL_CALL_RESULT] == "HEY"

    retriever = ListRetriever(docs=[Document(page_content="Paris is in France", id="d1")])
    retriever.invoke("paris")
    span = telemetry.span("retrieval ListRetriever")
    assert span.attributes[n.GEN_AI_RETRIEVAL_QUERY_TEXT] == "paris"
    assert json.loads(span.attributes[n.GEN_AI_RETRIEVAL_DOCUMENTS]) == [
        {"content": "Paris is in France", "id": "d1"}]


def test_tool_calls_in_output_messages(content_telemetry: Telemetry) -> None:
    message = AIMessage(content="", tool_calls=[
        {"name": "add", "args": {"a": 1}, "id": "call_1", "type": "tool_call"}],
        usage_metadata=dict(USAGE))
    chat_model(message).invoke("add one")
    outputs = json.loads(content_telemetry.span("chat").attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs[0]["parts"] == [
        {"type": "tool_call", "name": "add", "id": "call_1", "arguments": {"a": 1}}]


async def test_abatch_gives_one_tree_per_input(telemetry: Telemetry, handler) -> None:
    chain = _prompt() | chat_model(repeat=4) | StrOutputParser()
    assert await chain.abatch([{"q": str(i)} for i in range(4)]) == ["hello there world"] * 4
    roots = [s for s in telemetry.spans() if s.parent is None]
    chats = [s for s in telemetry.spans() if s.name == "chat"]
    assert len(roots) == 4 and len(chats) == 4
    assert sorted(c.parent.span_id for c in chats) == sorted(r.context.span_id for r in roots)
    assert len(handler.runs) == 0

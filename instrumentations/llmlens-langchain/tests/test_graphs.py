"""LangGraph graphs: nested graphs, parallel nodes, agents; sync and async."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, TypedDict

import pytest
from fakes import USAGE, ToolCallingFake, chat_model, reply
from langchain_core.messages import AIMessage
from langchain_core.tools import tool
from opentelemetry import trace

from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

langgraph_graph = pytest.importorskip("langgraph.graph")
StateGraph, START, END = langgraph_graph.StateGraph, langgraph_graph.START, langgraph_graph.END


class State(TypedDict):
    text: str


def _current_span_id() -> int:
    return trace.get_current_span().get_span_context().span_id


def _tree(telemetry: Telemetry) -> set[tuple[str, str | None]]:
    by_id = {s.context.span_id: s.name for s in telemetry.spans()}
    return {(s.name, by_id.get(s.parent.span_id) if s.parent else None)
            for s in telemetry.spans()}


def _nested_graph(seen: dict[str, int]) -> Any:
    model = chat_model(repeat=2)

    def inner(state: State) -> State:
        seen["inner"] = _current_span_id()
        return {"text": model.invoke(state["text"]).content}

    async def ainner(state: State) -> State:
        await asyncio.sleep(0)
        seen["inner"] = _current_span_id()
        return {"text": (await model.ainvoke(state["text"])).content}

    def outer(state: State) -> State:
        seen["outer"] = _current_span_id()
        return {"text": state["text"] + "!"}

    sub = StateGraph(State)
    sub.add_node("inner", inner)
    sub.add_edge(START, "inner")
    sub.add_edge("inner", END)
    asub = StateGraph(State)
    asub.add_node("inner", ainner)
    asub.add_edge(START, "inner")
    asub.add_edge("inner", END)

    def build(child: Any) -> Any:
        graph = StateGraph(State)
        graph.add_node("outer", outer)
        graph.add_node("child", child.compile().with_config(run_name="child"))
        graph.add_edge(START, "outer")
        graph.add_edge("outer", "child")
        graph.add_edge("child", END)
        return graph.compile().with_config(run_name="parent")

    return build(sub), build(asub)


EXPECTED_TREE = {
    ("invoke_workflow parent", None),
    ("outer", "invoke_workflow parent"),
    ("child", "invoke_workflow parent"),  # the subgraph's node
    ("child", "child"),                   # the subgraph itself
    ("inner", "child"),
    ("chat", "inner"),
}


def _assert_nodes_current(telemetry: Telemetry, seen: dict[str, int]) -> None:
    assert seen["outer"] == telemetry.span("outer").context.span_id
    assert seen["inner"] == telemetry.span("inner").context.span_id


def test_nested_graph_tree_and_current_spans(telemetry: Telemetry, handler) -> None:
    seen: dict[str, int] = {}
    graph, _ = _nested_graph(seen)
    assert graph.invoke({"text": "hi"}) == {"text": "hello there world"}
    assert _tree(telemetry) == EXPECTED_TREE
    _assert_nodes_current(telemetry, seen)
    assert len(handler.runs) == 0


async def test_nested_graph_async_under_user_span(telemetry: Telemetry, handler) -> None:
    seen: dict[str, int] = {}
    _, graph = _nested_graph(seen)
    tracer = telemetry.tracer_provider.get_tracer("user")
    with tracer.start_as_current_span("request") as user_span:
        assert await graph.ainvoke({"text": "hi"}) == {"text": "hello there world"}
        assert trace.get_current_span() is user_span
    tree = _tree(telemetry)
    assert ("invoke_workflow parent", "request") in tree
    assert tree - {("invoke_workflow parent", "request"), ("request", None)} \
        == EXPECTED_TREE - {("invoke_workflow parent", None)}
    _assert_nodes_current(telemetry, seen)
    assert len(handler.runs) == 0


async def test_concurrent_async_graphs_stay_apart(telemetry: Telemetry, handler) -> None:
    seen: dict[str, int] = {}
    graphs = [_nested_graph(seen)[1] for _ in range(10)]
    await asyncio.gather(*(g.ainvoke({"text": "hi"}) for g in graphs))
    roots = [s for s in telemetry.spans() if s.parent is None]
    assert len(roots) == 10
    assert len({s.context.trace_id for s in telemetry.spans()}) == 10
    assert len(handler.runs) == 0


def test_parallel_nodes_in_threads(telemetry: Telemetry) -> None:
    seen: dict[str, int] = {}

    def branch(name: str) -> Any:
        def node(state: dict[str, Any]) -> dict[str, Any]:
            seen[name] = _current_span_id()
            return {"items": [name]}
        return node

    class Fan(TypedDict):
        items: Annotated[list[str], lambda a, b: a + b]

    graph = StateGraph(Fan)
    for name in ("left", "right", "middle"):
        graph.add_node(name, branch(name))
        graph.add_edge(START, name)
        graph.add_edge(name, END)
    result = graph.compile().with_config(run_name="fan").invoke({"items": []})
    assert sorted(result["items"]) == ["left", "middle", "right"]
    for name in ("left", "right", "middle"):
        assert seen[name] == telemetry.span(name).context.span_id
        assert (name, "invoke_workflow fan") in _tree(telemetry)


def test_create_agent_span_tree(telemetry: Telemetry, handler) -> None:
    agents = pytest.importorskip("langchain.agents")

    seen: list[int] = []

    @tool
    def weather(city: str) -> str:
        """Weather for a city."""
        seen.append(_current_span_id())
        return "sunny"

    model = ToolCallingFake(messages=iter([
        AIMessage(content="", usage_metadata=dict(USAGE), tool_calls=[
            {"name": "weather", "args": {"city": "Rome"}, "id": "call_1",
             "type": "tool_call"}]),
        reply("It is sunny in Rome"),
    ]))
    agent = agents.create_agent(model, tools=[weather], name="weather_agent")
    out = agent.invoke({"messages": [{"role": "user", "content": "Weather in Rome?"}]})
    assert out["messages"][-1].content == "It is sunny in Rome"

    root = telemetry.span("invoke_agent weather_agent")
    assert root.parent is None
    assert root.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_INVOKE_AGENT
    assert root.attributes[n.GEN_AI_AGENT_NAME] == "weather_agent"
    tool_span = telemetry.span("execute_tool weather")
    assert tool_span.attributes[n.GEN_AI_TOOL_CALL_ID] == "call_1"
    assert seen == [tool_span.context.span_id]  # the tool runs under its span
    assert tool_span.context.trace_id == root.context.trace_id
    chats = [s for s in telemetry.spans() if s.name == "chat"]
    assert len(chats) == 2
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == 2 * USAGE["input_tokens"]
    assert telemetry.histogram_count(n.METRIC_INVOKE_AGENT_DURATION, **{
        n.GEN_AI_AGENT_NAME: "weather_agent"}) == 1
    assert len(handler.runs) == 0


def test_thread_id_is_the_conversation_id(telemetry: Telemetry) -> None:
    checkpoint = pytest.importorskip("langgraph.checkpoint.memory")
    model = chat_model()

    def answer(state: State) -> State:
        return {"text": model.invoke(state["text"]).content}

    graph = StateGraph(State)
    graph.add_node("answer", answer)
    graph.add_edge(START, "answer")
    graph.add_edge("answer", END)
    app = graph.compile(checkpointer=checkpoint.MemorySaver()).with_config(run_name="chat")
    app.invoke({"text": "hi"}, {"configurable": {"thread_id": "thread-7"}})
    assert telemetry.span("invoke_workflow chat").attributes[n.GEN_AI_CONVERSATION_ID] \
        == "thread-7"
    assert telemetry.span("chat").attributes[n.GEN_AI_CONVERSATION_ID] == "thread-7"

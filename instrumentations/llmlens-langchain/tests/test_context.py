"""Which span is current where, and that every context is restored: the user's
own parent span, tools and lambdas, model calls (sync, async, streamed),
threads, broken-off streams. The autouse fixture also fails any test after
which a context was detached in a foreign context or left attached."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fakes import USAGE, chat_model, reply
from fakes import GenericFakeChatModel as _Fake
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from opentelemetry import trace
from opentelemetry.trace import StatusCode

from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry


def _current_span_id() -> int:
    return trace.get_current_span().get_span_context().span_id


class ProbeChatModel(_Fake):
    """Records which span is current where a provider SDK would be called."""

    seen: list[int] = []

    def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(_current_span_id())
        return super()._generate(*args, **kwargs)

    async def _agenerate(self, *args: Any, **kwargs: Any) -> ChatResult:
        self.seen.append(_current_span_id())
        return super()._generate(*args, **kwargs)

    def _stream(self, *args: Any, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        self.seen.append(_current_span_id())
        yield from super()._stream(*args, **kwargs)

    async def _astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[ChatGenerationChunk]:
        self.seen.append(_current_span_id())
        for chunk in super()._stream(*args, **kwargs):
            yield chunk


def _probe(repeat: int = 1) -> ProbeChatModel:
    model = ProbeChatModel(messages=iter([reply()] * repeat))
    model.seen = []
    return model


def _chat_span_ids(telemetry: Telemetry) -> list[int]:
    return [s.context.span_id for s in telemetry.spans() if s.name == "chat"]


def _assert_seen_chat_spans(model: ProbeChatModel, telemetry: Telemetry, count: int) -> None:
    # the fake's _stream calls its _generate: a run may be seen twice
    chats = _chat_span_ids(telemetry)
    assert len(chats) == count
    assert set(model.seen) == set(chats)


def test_model_span_is_current_where_the_provider_is_called(telemetry: Telemetry) -> None:
    model = _probe(repeat=2)
    model.invoke("hi")
    list(model.stream("hi"))
    _assert_seen_chat_spans(model, telemetry, 2)


async def test_model_span_is_current_where_the_provider_is_called_async(
    telemetry: Telemetry,
) -> None:
    model = _probe(repeat=2)
    await model.ainvoke("hi")
    [c async for c in model.astream("hi")]
    _assert_seen_chat_spans(model, telemetry, 2)


def test_streamed_chain_inside_user_span(telemetry: Telemetry) -> None:
    tracer = telemetry.tracer_provider.get_tracer("user")
    model = _probe()
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | model
    with tracer.start_as_current_span("user-request") as user_span:
        chunks = list(chain.stream({"q": "hi"}))
        assert trace.get_current_span() is user_span
    assert chunks
    root = telemetry.span("invoke_workflow RunnableSequence")
    assert root.parent.span_id == user_span.get_span_context().span_id
    _assert_seen_chat_spans(model, telemetry, 1)


def test_tool_and_lambda_code_runs_under_their_spans(telemetry: Telemetry) -> None:
    seen: dict[str, int] = {}

    @tool
    def lookup(city: str) -> str:
        """Look a city up."""
        seen["tool"] = _current_span_id()
        return city.upper()

    def step(value: str) -> dict[str, str]:
        seen["lambda"] = _current_span_id()
        return {"city": value}

    chain = RunnableLambda(step).with_config(run_name="prepare") | lookup
    assert chain.invoke("rome") == "ROME"
    assert seen["tool"] == telemetry.span("execute_tool lookup").context.span_id
    assert seen["lambda"] == telemetry.span("prepare").context.span_id


async def test_async_tool_runs_under_its_span(telemetry: Telemetry) -> None:
    seen: list[int] = []

    @tool
    async def fetch(key: str) -> str:
        """Fetch a value."""
        await asyncio.sleep(0)
        seen.append(_current_span_id())
        return key

    results = await asyncio.gather(*(fetch.ainvoke({"key": k}) for k in "abc"))
    assert sorted(results) == ["a", "b", "c"]
    spans = [s.context.span_id for s in telemetry.spans() if s.name == "execute_tool fetch"]
    assert sorted(seen) == sorted(spans) and len(spans) == 3


def test_threads_keep_separate_trees(telemetry: Telemetry, handler) -> None:
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | chat_model(repeat=40)

    def run(i: int) -> str:
        return chain.invoke({"q": str(i)}).content

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(run, range(40))) == ["hello there world"] * 40
    roots = {s.context.span_id: s for s in telemetry.spans() if s.parent is None}
    chats = [s for s in telemetry.spans() if s.name == "chat"]
    assert len(roots) == 40 and len(chats) == 40
    assert {c.parent.span_id for c in chats} == set(roots)
    assert len(handler.runs) == 0


def test_broken_off_stream_ends_everything(telemetry: Telemetry, handler) -> None:
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | _probe()
    stream = chain.stream({"q": "hi"})
    next(stream)
    stream.close()
    assert len(handler.runs) == 0
    names = [s.name for s in telemetry.spans()]
    assert "chat" in names and "invoke_workflow RunnableSequence" in names
    # closing a stream early is no failure
    chat = telemetry.span("chat")
    assert chat.status.status_code is StatusCode.UNSET
    assert chat.attributes[n.LLMLENS_STREAM_END] == "closed"
    assert n.ERROR_TYPE not in chat.attributes


def test_abandoned_stream_collected_by_gc(telemetry: Telemetry, handler) -> None:
    stream = _probe().stream("hi")
    next(stream)
    del stream
    gc.collect()
    assert len(handler.runs) == 0
    assert telemetry.span("chat").end_time is not None


async def test_async_stream_broken_off_and_finalized_elsewhere(
    telemetry: Telemetry, handler,
) -> None:
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | _probe()
    async for _ in chain.astream({"q": "hi"}):
        break
    # the event loop finalizes the abandoned generator in a task of its own
    for _ in range(5):
        gc.collect()
        await asyncio.sleep(0.01)
    assert len(handler.runs) == 0
    assert {"chat", "invoke_workflow RunnableSequence"} <= {s.name for s in telemetry.spans()}


def test_nested_call_by_hand_is_traced_and_counted_once(telemetry: Telemetry) -> None:
    """A provider instrumentor's call (here: the emitter used directly, as
    llmlens-openai does) under the model span takes the usage; one made by
    hand inside a tool is a plain, fully counted call under the tool span."""
    provider = Emitter("provider", tracer_provider=telemetry.tracer_provider,
                       meter_provider=telemetry.meter_provider)

    def provider_call() -> None:
        call = provider.start(Request(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI,
                                      model="m"))
        call.finish(Response(usage=Usage(input_tokens=5, output_tokens=3)))

    class ProviderBacked(_Fake):
        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            provider_call()
            return super()._generate(*args, **kwargs)

    @tool
    def helper(x: str) -> str:
        """Calls the provider by hand."""
        provider_call()
        return x

    model = ProviderBacked(messages=iter([reply()]))
    chain = model | RunnableLambda(lambda m: {"x": m.content}) | helper
    chain.invoke("hi")

    chat = telemetry.span("chat")
    assert chat.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in chat.attributes
    provider_spans = [s for s in telemetry.spans() if s.name == "chat m"]
    assert len(provider_spans) == 2
    parents = sorted(s.parent.span_id for s in provider_spans)
    assert parents == sorted([chat.context.span_id,
                              telemetry.span("execute_tool helper").context.span_id])
    assert all(s.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 5 for s in provider_spans)
    # two provider calls of 5 input tokens; the LangChain span's 11 never counted
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == 10
    assert USAGE["input_tokens"] != 5


def test_provider_call_without_usage_leaves_it_to_the_model_span(telemetry: Telemetry) -> None:
    """A provider call beneath that reports no usage (an instrumentor blind
    to some stream path) hands the usage back: still counted once."""
    provider = Emitter("provider", tracer_provider=telemetry.tracer_provider,
                       meter_provider=telemetry.meter_provider)

    class BlindProvider(_Fake):
        def _generate(self, *args: Any, **kwargs: Any) -> ChatResult:
            provider.start(Request(operation=n.OP_CHAT, model="m")).finish(Response())
            return super()._generate(*args, **kwargs)

    BlindProvider(messages=iter([reply()])).invoke("hi")
    chat = telemetry.span("chat")
    assert n.LLMLENS_USAGE_DELEGATED not in chat.attributes
    assert chat.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == USAGE["input_tokens"]
    assert telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{
        n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == USAGE["input_tokens"]


async def test_astream_events(telemetry: Telemetry, handler) -> None:
    model = _probe()
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | model
    kinds = [event["event"] async for event in chain.astream_events({"q": "hi"}, version="v2")]
    assert "on_chat_model_stream" in kinds
    _assert_seen_chat_spans(model, telemetry, 1)
    assert len(handler.runs) == 0


def test_v3_event_stream(telemetry: Telemetry, handler) -> None:
    from langchain_core.language_models import BaseChatModel

    if not hasattr(BaseChatModel, "_iter_v2_events"):
        pytest.skip("this langchain-core has no v3 event stream")
    model = _probe()
    stream = model.stream_events("hi", version="v3")
    assert "hello" in str(stream.output.content)
    _assert_seen_chat_spans(model, telemetry, 1)
    assert len(handler.runs) == 0

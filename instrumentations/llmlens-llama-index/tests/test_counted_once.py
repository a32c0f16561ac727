"""Tokens count once: llama-index-llms-openai and llama-index-embeddings-openai
over the real OpenAI SDK, HTTP mocked at the transport, with and without the
llmlens OpenAI instrumentor beneath."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from corpus import DOCUMENTS
from llama_index.core import VectorStoreIndex
from llama_index.core.llms import ChatMessage
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI
from openai_api import OpenAIMock, chat_completion, chat_stream, embeddings_for
from opentelemetry import context as otel_context
from trees import by_name, is_child, one, roots, trace_ids

from llmlens_llama_index import SCOPE, LlamaIndexInstrumentor
from llmlens_openai import OpenAIInstrumentor
from llmlens_semconv import ContentPolicy
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

CHAT_USAGE = (31, 2)
EMBED_TOKENS = 5
QUESTION = "What is the capital of France?"


@pytest.fixture
def both() -> Iterator[Telemetry]:
    """LlamaIndex and the OpenAI SDK both instrumented, one pipeline."""
    telemetry = Telemetry.create()
    llama = LlamaIndexInstrumentor()
    sdk = OpenAIInstrumentor()
    llama.instrument(**telemetry.providers(), content=ContentPolicy())
    sdk.instrument(**telemetry.providers())
    try:
        yield telemetry
    finally:
        sdk.uninstrument()
        llama.uninstrument()
        telemetry.shutdown()


def _api(*, stream: bool = False) -> OpenAIMock:
    api = OpenAIMock()
    if stream:
        api.reply("/chat/completions", sse=chat_stream(
            ["Par", "is", "."], prompt_tokens=CHAT_USAGE[0], completion_tokens=CHAT_USAGE[1]))
    else:
        api.reply("/chat/completions", chat_completion(
            "Paris.", prompt_tokens=CHAT_USAGE[0], completion_tokens=CHAT_USAGE[1]))
    api.reply("/embeddings", embeddings_for(8, EMBED_TOKENS))
    return api


def _llm(api: OpenAIMock, **kwargs) -> OpenAI:
    return OpenAI(
        model="gpt-4o-mini", api_key="sk-test", max_retries=0,
        http_client=api.client(), async_http_client=api.async_client(), **kwargs,
    )


def _embed_model(api: OpenAIMock) -> OpenAIEmbedding:
    return OpenAIEmbedding(
        api_key="sk-test", max_retries=0,
        http_client=api.client(), async_http_client=api.async_client(),
    )


def _tokens(telemetry: Telemetry, token_type: str) -> float:
    return telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: token_type})


def _span_tokens(telemetry: Telemetry, key: str) -> int:
    return sum(int(s.attributes.get(key, 0)) for s in telemetry.spans())


def _assert_counted_once(telemetry: Telemetry, input_tokens: int, output_tokens: int) -> None:
    assert _tokens(telemetry, n.TOKEN_TYPE_INPUT) == input_tokens
    assert _tokens(telemetry, n.TOKEN_TYPE_OUTPUT) == output_tokens
    assert _span_tokens(telemetry, n.GEN_AI_USAGE_INPUT_TOKENS) == input_tokens
    assert _span_tokens(telemetry, n.GEN_AI_USAGE_OUTPUT_TOKENS) == output_tokens


def _llama_and_sdk_spans(telemetry: Telemetry, prefix: str):
    spans = by_name(telemetry.spans(), prefix)
    ours = [s for s in spans if s.instrumentation_scope.name == SCOPE]
    sdk = [s for s in spans if s.instrumentation_scope.name != SCOPE]
    assert len(ours) == 1 and len(sdk) == 1, [s.name for s in spans]
    return ours[0], sdk[0]


def test_chat_provider_span_nests_under_the_llama_index_span(both):
    api = _api()
    llm = _llm(api)

    reply = llm.chat([ChatMessage(role="user", content=QUESTION)])

    assert reply.message.content == "Paris."
    ours, sdk = _llama_and_sdk_spans(both, "chat gpt-4o-mini")
    assert is_child(both.spans(), sdk, ours)
    assert ours.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in ours.attributes
    assert sdk.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == CHAT_USAGE[0]
    assert ours.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_OPENAI
    assert ours.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    _assert_counted_once(both, *CHAT_USAGE)


def test_rag_query_over_openai_counts_each_api_call_once(both):
    api = _api()
    index = VectorStoreIndex.from_documents(DOCUMENTS, embed_model=_embed_model(api))
    engine = index.as_query_engine(llm=_llm(api), similarity_top_k=2)
    both.clear()
    indexing_input = _tokens(both, n.TOKEN_TYPE_INPUT)
    assert indexing_input == EMBED_TOKENS * len(DOCUMENTS)  # the index build, one batch

    answer = engine.query(QUESTION)

    assert str(answer) == "Paris."
    spans = [s for s in both.spans() if s.context.trace_id in trace_ids(
        by_name(both.spans(), "invoke_workflow"))]
    assert len(trace_ids(spans)) == 1
    assert len(roots(spans)) == 1
    ours_embed, sdk_embed = _llama_and_sdk_spans(both, "embeddings")
    ours_chat, sdk_chat = _llama_and_sdk_spans(both, "chat")
    assert is_child(spans, sdk_embed, ours_embed)
    assert is_child(spans, sdk_chat, ours_chat)
    assert is_child(spans, ours_embed, one(spans, "retrieval"))
    assert is_child(spans, ours_chat, one(spans, "synthesize"))
    assert ours_embed.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    assert ours_embed.attributes[n.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 8
    # the API's usage, exactly: one embedding call for the query, one chat call
    assert _tokens(both, n.TOKEN_TYPE_INPUT) == indexing_input + EMBED_TOKENS + CHAT_USAGE[0]
    assert _tokens(both, n.TOKEN_TYPE_OUTPUT) == CHAT_USAGE[1]


def test_streaming_query_provider_span_nests_and_counts_once(both):
    api = _api(stream=True)
    index = VectorStoreIndex.from_documents(DOCUMENTS, embed_model=_embed_model(api))
    llm = _llm(api, additional_kwargs={"stream_options": {"include_usage": True}})
    engine = index.as_query_engine(llm=llm, streaming=True)
    both.clear()
    before = _tokens(both, n.TOKEN_TYPE_INPUT)

    response = engine.query(QUESTION)
    text = "".join(response.response_gen)

    assert text == "Paris."
    assert api.bodies("/chat/completions")[-1]["stream_options"] == {"include_usage": True}
    spans = both.spans()
    ours, sdk = _llama_and_sdk_spans(both, "chat")
    assert is_child(spans, sdk, ours)
    assert is_child(spans, ours, one(spans, "synthesize"))
    assert ours.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    assert ours.attributes[n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] > 0
    assert sdk.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == CHAT_USAGE[0]
    assert _tokens(both, n.TOKEN_TYPE_INPUT) == before + EMBED_TOKENS + CHAT_USAGE[0]
    assert _tokens(both, n.TOKEN_TYPE_OUTPUT) == CHAT_USAGE[1]


def test_direct_stream_chat_counts_once(both):
    api = _api(stream=True)
    llm = _llm(api, additional_kwargs={"stream_options": {"include_usage": True}})
    before = otel_context.get_current()

    pieces = [c.delta for c in llm.stream_chat([ChatMessage(role="user", content=QUESTION)])]

    assert "".join(pieces) == "Paris."
    assert otel_context.get_current() is before
    ours, sdk = _llama_and_sdk_spans(both, "chat")
    # consumed outside any step: the provider span is a sibling, never a twin
    assert sdk.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == CHAT_USAGE[0]
    assert ours.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    assert ours.attributes[n.LLMLENS_STREAM_END] == "completed"
    _assert_counted_once(both, *CHAT_USAGE)


async def test_async_chat_nests_and_counts_once(both):
    api = _api()
    llm = _llm(api)

    await llm.achat([ChatMessage(role="user", content=QUESTION)])

    ours, sdk = _llama_and_sdk_spans(both, "chat")
    assert is_child(both.spans(), sdk, ours)
    _assert_counted_once(both, *CHAT_USAGE)


async def test_async_streaming_query_nests_and_counts_once(both):
    api = _api(stream=True)
    index = VectorStoreIndex.from_documents(DOCUMENTS, embed_model=_embed_model(api))
    llm = _llm(api, additional_kwargs={"stream_options": {"include_usage": True}})
    engine = index.as_query_engine(llm=llm, streaming=True)
    both.clear()
    before = _tokens(both, n.TOKEN_TYPE_INPUT)

    response = await engine.aquery(QUESTION)
    text = "".join([t async for t in response.async_response_gen()])

    assert text == "Paris."
    spans = both.spans()
    ours, sdk = _llama_and_sdk_spans(both, "chat")
    assert is_child(spans, sdk, ours)
    assert len(trace_ids(spans)) == 1
    assert _tokens(both, n.TOKEN_TYPE_INPUT) == before + EMBED_TOKENS + CHAT_USAGE[0]
    assert _tokens(both, n.TOKEN_TYPE_OUTPUT) == CHAT_USAGE[1]


async def test_concurrent_async_chats_each_count_once(both):
    api = _api()
    llm = _llm(api)

    await asyncio.gather(*(llm.achat([ChatMessage(role="user", content=f"q{i}")])
                           for i in range(4)))

    spans = both.spans()
    ours = [s for s in spans if s.instrumentation_scope.name == SCOPE]
    sdk = [s for s in spans if s.instrumentation_scope.name != SCOPE]
    assert len(ours) == len(sdk) == 4
    for child in sdk:
        assert any(is_child(spans, child, parent) for parent in ours)
    _assert_counted_once(both, 4 * CHAT_USAGE[0], 4 * CHAT_USAGE[1])


def test_without_the_sdk_instrumentor_the_llama_index_span_carries_usage(telemetry):
    api = _api()
    llm = _llm(api)

    llm.chat([ChatMessage(role="user", content=QUESTION)])

    span = one(telemetry.spans(), "chat gpt-4o-mini")
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == CHAT_USAGE[0]
    assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == CHAT_USAGE[1]
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == "chatcmpl-1"
    assert span.attributes[n.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
    assert n.LLMLENS_USAGE_DELEGATED not in span.attributes
    _assert_counted_once(telemetry, *CHAT_USAGE)


def test_without_the_sdk_instrumentor_a_stream_carries_its_usage(telemetry):
    api = _api(stream=True)
    llm = _llm(api, additional_kwargs={"stream_options": {"include_usage": True}})

    for _ in llm.stream_chat([ChatMessage(role="user", content=QUESTION)]):
        pass

    span = one(telemetry.spans(), "chat gpt-4o-mini")
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("stop",)
    _assert_counted_once(telemetry, *CHAT_USAGE)


def test_streaming_chat_engine_consumed_on_its_thread_counts_once(both):
    import time

    from llama_index.core.chat_engine import SimpleChatEngine

    api = _api(stream=True)
    llm = _llm(api, additional_kwargs={"stream_options": {"include_usage": True}})
    engine = SimpleChatEngine.from_defaults(llm=llm)

    response = engine.stream_chat(QUESTION)
    text = "".join(response.response_gen)

    assert text == "Paris."
    for _ in range(100):  # the engine's own thread ends the stream
        if len(by_name(both.spans(), "chat")) == 2:
            break
        time.sleep(0.01)
    spans = both.spans()
    ours, sdk = _llama_and_sdk_spans(both, "chat")
    assert is_child(spans, sdk, ours)
    assert is_child(spans, ours, one(spans, "invoke_workflow SimpleChatEngine"))
    assert ours.attributes[n.LLMLENS_USAGE_DELEGATED] is True
    _assert_counted_once(both, *CHAT_USAGE)


def test_complete_on_a_chat_model_is_one_span_counted_once(both):
    api = _api()
    llm = _llm(api)

    completion = llm.complete(QUESTION)

    assert completion.text == "Paris."
    ours, sdk = _llama_and_sdk_spans(both, "chat gpt-4o-mini")
    assert is_child(both.spans(), sdk, ours)
    _assert_counted_once(both, *CHAT_USAGE)


def test_sdk_calls_outside_llama_index_llms_are_not_suppressed(both):
    import openai

    api = _api()
    llm = _llm(api)
    client = openai.OpenAI(api_key="sk-test", http_client=api.client(), max_retries=0)

    llm.chat([ChatMessage(role="user", content=QUESTION)])
    client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}])

    sdk_spans = [s for s in by_name(both.spans(), "chat") if s.instrumentation_scope.name != SCOPE]
    assert len(sdk_spans) == 2
    direct = [s for s in sdk_spans if s.parent is None]
    assert len(direct) == 1
    assert direct[0].attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == CHAT_USAGE[0]
    _assert_counted_once(both, 2 * CHAT_USAGE[0], 2 * CHAT_USAGE[1])


def test_two_streams_read_side_by_side_each_count_once(both):
    api = OpenAIMock()
    for completion_id in ("chatcmpl-a", "chatcmpl-b"):
        api.reply("/chat/completions", sse=chat_stream(
            ["Par", "is."], prompt_tokens=CHAT_USAGE[0], completion_tokens=CHAT_USAGE[1],
            completion_id=completion_id))
    llm = _llm(api, additional_kwargs={"stream_options": {"include_usage": True}})
    first = llm.stream_chat([ChatMessage(role="user", content="one")])
    second = llm.stream_chat([ChatMessage(role="user", content="two")])

    for _ in zip(first, second, strict=False):
        pass
    for _ in first:
        pass
    for _ in second:
        pass

    ours = [s for s in by_name(both.spans(), "chat") if s.instrumentation_scope.name == SCOPE]
    assert len(ours) == 2
    assert all(s.attributes[n.LLMLENS_USAGE_DELEGATED] is True for s in ours)
    _assert_counted_once(both, 2 * CHAT_USAGE[0], 2 * CHAT_USAGE[1])

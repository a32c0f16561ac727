"""A query on a query engine, retriever or chat engine is one trace (mock
LLM and mock embedding: no SDK involved)."""

from __future__ import annotations

import json

import pytest
from corpus import EMBED_DIM
from llama_index.core.chat_engine import SimpleChatEngine
from llama_index.core.embeddings import MockEmbedding
from llama_index.core.llms import ChatMessage, MockLLM
from llama_index.core.postprocessor import SimilarityPostprocessor
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, StatusCode
from trees import by_name, is_child, one, roots, trace_ids

from llmlens_semconv import names as n
from llmlens_semconv.testing import iter_all_text

QUESTION = "What is the capital of France?"


def _pipeline_checks(spans):
    query = one(spans, "invoke_workflow RetrieverQueryEngine")
    retrieval = one(spans, "retrieval ")
    embedding = one(spans, "embeddings MockEmbedding")
    synthesis = one(spans, "synthesize ")
    llm = one(spans, "text_completion MockLLM")
    assert len(trace_ids(spans)) == 1
    assert roots(spans) == [query]
    assert is_child(spans, retrieval, query)
    assert is_child(spans, embedding, retrieval)
    assert is_child(spans, synthesis, query)
    assert is_child(spans, llm, synthesis)
    return query, retrieval, embedding, synthesis, llm


def test_query_is_one_trace_with_every_step(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=5), similarity_top_k=2)
    telemetry.clear()

    answer = engine.query(QUESTION)

    assert str(answer) == "text text text text text"
    query, retrieval, embedding, synthesis, llm = _pipeline_checks(telemetry.spans())
    assert query.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_INVOKE_WORKFLOW
    assert query.kind is SpanKind.INTERNAL
    assert retrieval.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_RETRIEVAL
    assert retrieval.attributes[n.GEN_AI_RETRIEVAL_TOP_K] == 2
    assert retrieval.attributes[n.GEN_AI_DATA_SOURCE_ID] == index.index_id
    assert retrieval.name == f"retrieval {index.index_id}"
    assert embedding.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_EMBEDDINGS
    assert embedding.attributes[n.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == EMBED_DIM
    assert synthesis.kind is SpanKind.INTERNAL
    assert n.GEN_AI_OPERATION_NAME not in synthesis.attributes
    assert llm.attributes[n.GEN_AI_OPERATION_NAME] == n.OP_TEXT_COMPLETION
    assert llm.attributes[n.GEN_AI_REQUEST_MAX_TOKENS] == 5
    # the mock reports no usage: none is invented
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in llm.attributes
    assert telemetry.metric_points(n.METRIC_TOKEN_USAGE) == []
    assert telemetry.histogram_count(
        n.METRIC_OPERATION_DURATION, **{n.GEN_AI_OPERATION_NAME: n.OP_RETRIEVAL}) == 1
    assert all(s.status.status_code is StatusCode.UNSET for s in telemetry.spans())


async def test_async_query_keeps_parent_links(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=3), similarity_top_k=2)
    telemetry.clear()

    await engine.aquery(QUESTION)

    _pipeline_checks(telemetry.spans())


async def test_concurrent_async_queries_stay_in_their_own_traces(telemetry, index):
    import asyncio

    engine = index.as_query_engine(llm=MockLLM(max_tokens=3), similarity_top_k=1)
    telemetry.clear()

    await asyncio.gather(*(engine.aquery(f"{QUESTION} {i}") for i in range(5)))

    spans = telemetry.spans()
    queries = by_name(spans, "invoke_workflow")
    assert len(queries) == 5
    assert len(trace_ids(spans)) == 5
    for query in queries:
        members = [s for s in spans if s.context.trace_id == query.context.trace_id]
        assert sorted(s.name.split(" ")[0] for s in members) == [
            "embeddings", "invoke_workflow", "retrieval", "synthesize", "text_completion"]


def test_query_under_a_user_span_joins_its_trace(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=2))
    tracer = telemetry.tracer_provider.get_tracer("app")
    telemetry.clear()

    with tracer.start_as_current_span("handle request") as request:
        engine.query(QUESTION)

    spans = telemetry.spans()
    query = one(spans, "invoke_workflow")
    assert query.parent is not None
    assert query.parent.span_id == request.get_span_context().span_id
    assert len(trace_ids(spans)) == 1


def test_no_context_leaks_after_a_query(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=2))
    before = otel_context.get_current()

    engine.query(QUESTION)

    assert otel_context.get_current() is before
    assert not trace.get_current_span().get_span_context().is_valid


def test_retriever_on_its_own_is_a_trace(telemetry, index):
    retriever = index.as_retriever(similarity_top_k=3)
    telemetry.clear()

    nodes = retriever.retrieve(QUESTION)

    assert len(nodes) == 3
    spans = telemetry.spans()
    retrieval = one(spans, "retrieval ")
    assert roots(spans) == [retrieval]
    assert retrieval.attributes[n.GEN_AI_RETRIEVAL_TOP_K] == 3
    assert is_child(spans, one(spans, "embeddings"), retrieval)


def test_postprocessing_is_a_step_of_the_query(telemetry, index):
    engine = index.as_query_engine(
        llm=MockLLM(max_tokens=2), similarity_top_k=3,
        node_postprocessors=[SimilarityPostprocessor(similarity_cutoff=-1.0)],
    )
    telemetry.clear()

    engine.query(QUESTION)

    spans = telemetry.spans()
    post = one(spans, "postprocess SimilarityPostprocessor")
    assert post.kind is SpanKind.INTERNAL
    assert is_child(spans, post, one(spans, "invoke_workflow"))


def test_chat_engine_chat_is_one_trace(telemetry):
    engine = SimpleChatEngine.from_defaults(llm=MockLLM(max_tokens=4))
    telemetry.clear()

    engine.chat("hello there")

    spans = telemetry.spans()
    workflow = one(spans, "invoke_workflow SimpleChatEngine")
    # MockLLM.chat delegates to complete: still one LLM span
    llm_spans = by_name(spans, "chat ") + by_name(spans, "text_completion ")
    assert len(llm_spans) == 1
    assert roots(spans) == [workflow]
    assert is_child(spans, llm_spans[0], workflow)


def test_llm_chat_calling_complete_is_one_span(telemetry):
    llm = MockLLM(max_tokens=3)
    telemetry.clear()

    llm.chat([ChatMessage(role="user", content="hi")])

    spans = telemetry.spans()
    assert [s.name for s in spans] == ["chat MockLLM"]


def test_embedding_batch_is_one_span_with_dimension(telemetry):
    model = MockEmbedding(embed_dim=7)
    telemetry.clear()

    vectors = model.get_text_embedding_batch(["a", "b", "c"])

    assert len(vectors) == 3
    span = one(telemetry.spans(), "embeddings MockEmbedding")
    assert span.attributes[n.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] == 7
    assert len(telemetry.spans()) == 1


def test_content_is_off_by_default(telemetry, index):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=2))
    telemetry.clear()

    engine.query(QUESTION)

    text = "\n".join(iter_all_text(telemetry))
    assert "capital of France" not in text
    assert "Paris" not in text
    assert all(n.GEN_AI_RETRIEVAL_DOCUMENTS not in s.attributes for s in telemetry.spans())


def test_content_opt_in_records_query_documents_and_scores(content_telemetry, index):
    telemetry = content_telemetry
    engine = index.as_query_engine(llm=MockLLM(max_tokens=2), similarity_top_k=2)
    telemetry.clear()

    engine.query(QUESTION)

    spans = telemetry.spans()
    retrieval = one(spans, "retrieval ")
    assert retrieval.attributes[n.GEN_AI_RETRIEVAL_QUERY_TEXT] == QUESTION
    documents = json.loads(retrieval.attributes[n.GEN_AI_RETRIEVAL_DOCUMENTS])
    assert len(documents) == 2
    assert all(isinstance(d["score"], float) for d in documents)
    assert all("capital" in d["content"] for d in documents)
    llm = one(spans, "text_completion MockLLM")
    prompt = json.loads(llm.attributes[n.GEN_AI_INPUT_MESSAGES])
    assert QUESTION in prompt[0]["parts"][0]["content"]
    output = json.loads(llm.attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert output[0]["parts"][0]["content"] == "text text"
    query = one(spans, "invoke_workflow")
    assert json.loads(query.attributes[n.GEN_AI_INPUT_MESSAGES])[0]["parts"][0]["content"] \
        == QUESTION


@pytest.mark.parametrize("top_k", [1, 3])
def test_top_k_follows_the_retriever(telemetry, index, top_k):
    engine = index.as_query_engine(llm=MockLLM(max_tokens=1), similarity_top_k=top_k)
    telemetry.clear()

    engine.query(QUESTION)

    assert one(telemetry.spans(), "retrieval ").attributes[n.GEN_AI_RETRIEVAL_TOP_K] == top_k


def test_reranker_span_is_named_after_its_model(telemetry, index):
    from llama_index.core.instrumentation import get_dispatcher
    from llama_index.core.instrumentation.events.rerank import ReRankEndEvent, ReRankStartEvent
    from llama_index.core.postprocessor.types import BaseNodePostprocessor

    dispatcher = get_dispatcher("tests.rerank")

    class KeepBest(BaseNodePostprocessor):
        """A reranker as rerank integrations write them: ReRank events around
        the reordering."""

        def _postprocess_nodes(self, nodes, query_bundle=None):
            dispatcher.event(ReRankStartEvent(
                query=query_bundle, nodes=nodes, top_n=1, model_name="tiny-reranker"))
            best = sorted(nodes, key=lambda node: node.score or 0.0, reverse=True)[:1]
            dispatcher.event(ReRankEndEvent(nodes=best))
            return best

    engine = index.as_query_engine(
        llm=MockLLM(max_tokens=1), similarity_top_k=3, node_postprocessors=[KeepBest()])
    telemetry.clear()

    engine.query(QUESTION)

    spans = telemetry.spans()
    rerank = one(spans, "rerank tiny-reranker")
    assert is_child(spans, rerank, one(spans, "invoke_workflow"))


def test_llm_call_details_event_is_opt_in(index):
    from llmlens_llama_index import LlamaIndexInstrumentor
    from llmlens_semconv import CaptureMode, ContentPolicy
    from llmlens_semconv.testing import Telemetry

    telemetry = Telemetry.create()
    instrumentor = LlamaIndexInstrumentor()
    instrumentor.instrument(
        **telemetry.providers(), content=ContentPolicy(mode=CaptureMode.EVENT_ONLY))
    try:
        MockLLM(max_tokens=2).complete("say something")
    finally:
        instrumentor.uninstrument()

    events = [r for r in telemetry.logs() if r.event_name == n.EVENT_INFERENCE_DETAILS]
    assert len(events) == 1
    messages = events[0].attributes[n.GEN_AI_INPUT_MESSAGES]
    assert messages[0]["parts"][0]["content"] == "say something"
    span = one(telemetry.spans(), "text_completion MockLLM")
    assert n.GEN_AI_INPUT_MESSAGES not in span.attributes

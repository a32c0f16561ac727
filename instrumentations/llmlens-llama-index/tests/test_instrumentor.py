"""The instrumentor itself: registration, switching off, failing open, no
memory growth over many queries."""

from __future__ import annotations

import gc
import sys
from importlib import metadata
from pathlib import Path

import pytest
from llama_index.core.instrumentation import get_dispatcher
from llama_index.core.llms import MockLLM

from llmlens_llama_index import LlamaIndexInstrumentor
from llmlens_llama_index.handlers import LlmlensEventHandler, LlmlensSpanHandler
from llmlens_semconv import ContentPolicy
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

QUESTION = "What is the capital of France?"


def _our_handlers() -> list[object]:
    root = get_dispatcher()
    return [h for h in [*root.span_handlers, *root.event_handlers]
            if isinstance(h, (LlmlensSpanHandler, LlmlensEventHandler))]


def test_entry_point_and_instruments_extra_match():
    dist = metadata.distribution("llmlens-llama-index")
    points = [ep for ep in dist.entry_points if ep.group == "opentelemetry_instrumentor"]
    assert [(ep.name, ep.value) for ep in points] == [
        ("llmlens_llama_index", "llmlens_llama_index:LlamaIndexInstrumentor")]
    extras = [r for r in dist.requires or []
              if "extra ==" in r and "instruments" in r.split("extra ==")[1]]
    declared = [r.split(";")[0].replace(" ", "") for r in extras]
    expected = [d.replace(" ", "") for d in LlamaIndexInstrumentor().instrumentation_dependencies()]
    assert declared == expected


def test_pyproject_declares_the_same_oldest_version_as_the_code():
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    text = pyproject.read_text()
    for requirement in LlamaIndexInstrumentor().instrumentation_dependencies():
        assert f'"{requirement}"' in text


def test_uninstrument_removes_the_handlers_and_stops_spans(index):
    telemetry = Telemetry.create()
    instrumentor = LlamaIndexInstrumentor()
    instrumentor.instrument(**telemetry.providers(), content=ContentPolicy())
    assert len(_our_handlers()) == 2
    engine = index.as_query_engine(llm=MockLLM(max_tokens=1))
    engine.query(QUESTION)
    assert telemetry.spans()

    instrumentor.uninstrument()
    telemetry.clear()
    engine.query(QUESTION)

    assert _our_handlers() == []
    assert telemetry.spans() == []


def test_reinstrumenting_registers_the_handlers_once(index):
    telemetry = Telemetry.create()
    instrumentor = LlamaIndexInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    instrumentor.instrument(**telemetry.providers())  # logged and ignored
    try:
        assert len(_our_handlers()) == 2
    finally:
        instrumentor.uninstrument()


def test_a_failing_emitter_never_breaks_the_query(telemetry, index, monkeypatch):
    tracer = LlamaIndexInstrumentor.tracer()

    def broken(*args, **kwargs):
        raise RuntimeError("telemetry bug")

    monkeypatch.setattr(tracer.emitter, "start", broken)
    engine = index.as_query_engine(llm=MockLLM(max_tokens=3))

    answer = engine.query(QUESTION)

    assert str(answer) == "text text text"
    assert tracer.open == {}


def test_a_failing_event_reader_never_breaks_the_query(telemetry, index, monkeypatch):
    tracer = LlamaIndexInstrumentor.tracer()

    def broken(*args, **kwargs):
        raise RuntimeError("telemetry bug")

    monkeypatch.setattr(tracer, "event", broken)
    engine = index.as_query_engine(llm=MockLLM(max_tokens=3), streaming=True)

    answer = engine.query(QUESTION)

    assert "".join(answer.response_gen).strip() == "text text text"


def test_no_growth_over_thousands_of_queries(telemetry, index):
    """The tracer's tables hold running steps only: after every query,
    finished, streamed, abandoned or failed, they are empty again."""
    tracer = LlamaIndexInstrumentor.tracer()
    engine = index.as_query_engine(llm=MockLLM(max_tokens=2), similarity_top_k=1)
    streaming = index.as_query_engine(llm=MockLLM(max_tokens=4), streaming=True)
    llm = MockLLM(max_tokens=5)
    span_handler = next(h for h in get_dispatcher().span_handlers
                        if isinstance(h, LlmlensSpanHandler))

    def batch(count: int) -> None:
        for i in range(count):
            engine.query(f"{QUESTION} {i}")
            for _ in streaming.query(QUESTION).response_gen:
                pass
            abandoned = streaming.query(QUESTION).response_gen
            next(abandoned)
            del abandoned
            stream = llm.stream_complete("hi")
            next(stream)
            stream.close()
        telemetry.span_exporter.clear()

    batch(20)
    gc.collect()
    baseline = len(gc.get_objects())

    batch(300)
    gc.collect()

    assert tracer.open == {}
    assert tracer.streams == {}
    assert tracer.consuming == {}
    assert span_handler.open_spans == {}
    # objects alive after the run do not grow with the number of queries
    assert len(gc.get_objects()) - baseline < 2000
    assert telemetry.histogram_count(
        n.METRIC_OPERATION_DURATION, **{n.GEN_AI_OPERATION_NAME: n.OP_RETRIEVAL}) == 320 * 3


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="refcounting GC")
def test_stream_spans_end_when_the_response_is_dropped_unread(telemetry, index):
    streaming = index.as_query_engine(llm=MockLLM(max_tokens=4), streaming=True)
    telemetry.clear()

    streaming.query(QUESTION)  # the response is never read
    gc.collect()

    names = sorted(s.name.split(" ")[0] for s in telemetry.spans())
    # older releases start the LLM stream inside the query, newer ones when read
    assert [n for n in names if n != "text_completion"] == [
        "embeddings", "invoke_workflow", "retrieval", "synthesize"]
    tracer = LlamaIndexInstrumentor.tracer()
    assert tracer.open == {}
    assert tracer.streams == {}

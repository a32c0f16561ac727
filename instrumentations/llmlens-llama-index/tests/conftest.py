from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from corpus import DOCUMENTS, EMBED_DIM
from llama_index.core import VectorStoreIndex
from llama_index.core.embeddings import MockEmbedding

from llmlens_llama_index import LlamaIndexInstrumentor
from llmlens_semconv import CaptureMode, ContentPolicy
from llmlens_semconv.testing import Telemetry


def _instrument(telemetry: Telemetry, content: ContentPolicy) -> Iterator[Telemetry]:
    instrumentor = LlamaIndexInstrumentor()
    instrumentor.instrument(**telemetry.providers(), content=content)
    try:
        yield telemetry
    finally:
        instrumentor.uninstrument()
        telemetry.shutdown()


@pytest.fixture(autouse=True)
def _no_context_detach_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test also checks that no context token was detached in a
    context other than the one that attached it."""
    with caplog.at_level(logging.ERROR, logger="opentelemetry.context"):
        yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    failures = [r.getMessage() for r in records if r.name.startswith("opentelemetry.context")]
    assert failures == []


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    """Instrumented, content off (the default)."""
    yield from _instrument(Telemetry.create(), ContentPolicy())


@pytest.fixture
def content_telemetry() -> Iterator[Telemetry]:
    """Instrumented, content recorded on spans."""
    yield from _instrument(Telemetry.create(), ContentPolicy(mode=CaptureMode.SPAN_ONLY))


@pytest.fixture
def index() -> VectorStoreIndex:
    return VectorStoreIndex.from_documents(
        DOCUMENTS, embed_model=MockEmbedding(embed_dim=EMBED_DIM))

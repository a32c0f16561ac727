"""The same scans for the framework instrumentors (LangChain, LlamaIndex),
driven with the frameworks' own fake models: with content off, a marker in
prompts, system prompts, tool arguments and results, retrieval queries and
documents and model outputs (plain and streamed) never reaches any span,
event, log or metric; with content on, it is recorded, redacted."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from privacy_support import exported_text

from llmlens_semconv.content import ENV_CAPTURE
from llmlens_semconv.testing import Telemetry

MARKER = "QZX-frame-marker-4417"
PASTED = "reach me at dana@example.org"


def run_langchain(marker: str) -> None:
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
    from langchain_core.messages import AIMessage
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_core.retrievers import BaseRetriever
    from langchain_core.tools import StructuredTool

    usage = {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}

    def model(text: str, **extra: Any) -> GenericFakeChatModel:
        return GenericFakeChatModel(messages=iter([
            AIMessage(content=text, usage_metadata=dict(usage), **extra)]))

    prompt = ChatPromptTemplate.from_messages(
        [("system", f"system {marker}"), ("human", "{question}")])
    tool_call = {"name": "lookup", "args": {"q": f"args {marker}"}, "id": "c1"}
    (prompt | model(f"answer {marker}", tool_calls=[tool_call])).invoke(
        {"question": f"user {marker}"})
    for _ in (prompt | model(f"streamed {marker} words")).stream({"question": f"user {marker}"}):
        pass

    # a tool's description is code, not user content: the conventions record it
    # on the execute_tool span (gen_ai.tool.description) whatever the mode
    lookup = StructuredTool.from_function(
        func=lambda q: f"tool result {marker}", name="lookup",
        description="Look up a fact.")
    lookup.invoke({"q": f"args {marker}"})

    def fail(q: str) -> str:
        raise ValueError(f"no result for {q}")  # the message quotes user input

    broken = StructuredTool.from_function(func=fail, name="broken", description="Fails.")
    with contextlib.suppress(ValueError):
        broken.invoke({"q": f"args {marker}"})

    class Docs(BaseRetriever):
        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
        ) -> list[Document]:
            return [Document(page_content=f"doc {marker}")]

    Docs().invoke(f"query {marker}")


def run_llama_index(marker: str) -> None:
    from llama_index.core import Document, VectorStoreIndex
    from llama_index.core.base.llms.types import ChatMessage
    from llama_index.core.embeddings import MockEmbedding
    from llama_index.core.llms import MockLLM

    index = VectorStoreIndex.from_documents(
        [Document(text=f"doc {marker}")], embed_model=MockEmbedding(embed_dim=8))
    llm = MockLLM()  # answers with its prompt: the output carries the marker
    index.as_query_engine(llm=llm).query(f"query {marker}")
    index.as_query_engine(llm=llm, streaming=True).query(f"query {marker}").get_response()
    llm.chat([ChatMessage(role="system", content=f"system {marker}"),
              ChatMessage(role="user", content=f"user {marker}")])


FRAMEWORKS = {
    "langchain": ("langchain_core", "llmlens_langchain", "LangChainInstrumentor",
                  run_langchain),
    "llama_index": ("llama_index.core", "llmlens_llama_index", "LlamaIndexInstrumentor",
                    run_llama_index),
}


@pytest.fixture
def drive(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[str, str, str], None]]:
    made: list[Any] = []

    def run(framework: str, mode: str, marker: str) -> None:
        sdk, package, class_name, scenario = FRAMEWORKS[framework]
        pytest.importorskip(sdk)
        module = pytest.importorskip(package)
        monkeypatch.setenv(ENV_CAPTURE, mode)
        instrumentor = getattr(module, class_name)()
        instrumentor.instrument(**telemetry.providers())
        made.append(instrumentor)
        scenario(marker)

    yield run
    for instrumentor in made:
        instrumentor.uninstrument()


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_content_off_no_marker_reaches_any_signal(
    drive: Callable[[str, str, str], None], telemetry: Telemetry, framework: str,
) -> None:
    drive(framework, "NO_CONTENT", MARKER)
    assert len(telemetry.spans()) >= 3
    text = exported_text(telemetry)
    assert MARKER not in text


@pytest.mark.parametrize("framework", list(FRAMEWORKS))
def test_content_on_is_recorded_and_redacted(
    drive: Callable[[str, str, str], None], telemetry: Telemetry, framework: str,
) -> None:
    drive(framework, "SPAN_AND_EVENT", f"{MARKER} {PASTED}")
    text = exported_text(telemetry)
    assert MARKER in text
    assert "dana@example.org" not in text
    assert "reach me at <EMAIL>" in text

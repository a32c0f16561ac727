"""Retrieval-augmented generation with LlamaIndex over the documents in examples/data.

Embeds the documents and the query, retrieves the closest passages, filters them by
similarity, and generates an answer. Runs against the mock server or the real API:

    export OPENAI_BASE_URL=http://127.0.0.1:PORT/v1   # the mock server; or a real OPENAI_API_KEY
    opentelemetry-instrument python examples/rag_llamaindex.py

It imports no llmlens code: whatever instrumentation is installed does the tracing.
"""

from __future__ import annotations

import os
from pathlib import Path

from demo_users import acting_as
from llama_index.core import Settings, SimpleDirectoryReader, VectorStoreIndex
from llama_index.core.postprocessor import SimilarityPostprocessor
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
EMBEDDING_MODEL = os.environ.get("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")
QUESTIONS = [
    ("frank", "docs", "How does llmlens price a model call?"),
    ("grace", "docs", "What is the time to first token?"),
]



def configure_models() -> None:
    # LlamaIndex reads OPENAI_API_BASE, not the SDK's OPENAI_BASE_URL: pass it on.
    base_url = os.environ.get("OPENAI_BASE_URL")
    if base_url:
        os.environ.setdefault("OPENAI_API_KEY", "mock-key")  # the mock server takes any key
    Settings.llm = OpenAI(model=MODEL, api_base=base_url, temperature=0.1)
    Settings.embed_model = OpenAIEmbedding(model=EMBEDDING_MODEL, api_base=base_url)


def main() -> None:
    configure_models()
    documents = SimpleDirectoryReader(str(DATA_DIR), required_exts=[".md"]).load_data()
    index = VectorStoreIndex.from_documents(documents)
    query_engine = index.as_query_engine(
        similarity_top_k=3,
        node_postprocessors=[SimilarityPostprocessor(similarity_cutoff=0.05)],
    )
    for user_id, team, question in QUESTIONS:
        with acting_as(user_id, team):
            response = query_engine.query(question)
        sources = sorted({node.metadata.get("file_name", "?") for node in response.source_nodes})
        print(f"[{user_id}] {question}\n  -> {response}\n  sources: {', '.join(sources)}")


if __name__ == "__main__":
    main()

"""Which LlamaIndex dispatcher spans become llmlens spans, and of what kind.

LlamaIndex opens a dispatcher span for nearly every method of its
components (text splitters, private helpers, prompt programs...). Only the
steps of the pipeline a user reasons about become spans here; the rest are
transparent. Classes are recognised by the names in their MRO, so one table
covers every llama-index-core release we support (and the separate
llama-index-workflows package) without importing optional modules.
"""

from __future__ import annotations

import enum
from typing import Any


class Step(enum.Enum):
    QUERY = "query"
    CHAT_ENGINE = "chat_engine"
    RETRIEVE = "retrieve"
    EMBED = "embed"
    LLM = "llm"
    TOOL = "tool"
    AGENT = "agent"
    WORKFLOW = "workflow"
    SYNTHESIZE = "synthesize"
    POSTPROCESS = "postprocess"
    WORKFLOW_STEP = "workflow_step"


_LLM_METHODS = frozenset({
    "chat", "achat", "stream_chat", "astream_chat",
    "complete", "acomplete", "stream_complete", "astream_complete",
})
_EMBED_METHODS = frozenset({
    "get_query_embedding", "aget_query_embedding",
    "get_text_embedding", "aget_text_embedding",
    "get_text_embedding_batch", "aget_text_embedding_batch",
})
_ENGINE_CHAT_METHODS = frozenset({"chat", "achat", "stream_chat", "astream_chat"})
_QUERY_METHODS = frozenset({"query", "aquery"})

# (base class name, methods, step); the first match in this order wins, so
# an agent that is also a chat engine is an agent.
_RULES: tuple[tuple[str, frozenset[str], Step], ...] = (
    ("BaseLLM", _LLM_METHODS, Step.LLM),
    ("BaseEmbedding", _EMBED_METHODS, Step.EMBED),
    ("BaseWorkflowAgent", frozenset({"run"}), Step.AGENT),
    ("AgentWorkflow", frozenset({"run"}), Step.WORKFLOW),
    ("Workflow", frozenset({"run"}), Step.WORKFLOW),
    ("BaseAgent", _ENGINE_CHAT_METHODS | _QUERY_METHODS, Step.AGENT),
    ("BaseAgentRunner", _ENGINE_CHAT_METHODS | _QUERY_METHODS, Step.AGENT),
    ("BaseChatEngine", _ENGINE_CHAT_METHODS, Step.CHAT_ENGINE),
    ("BaseQueryEngine", _QUERY_METHODS, Step.QUERY),
    ("BaseRetriever", frozenset({"retrieve", "aretrieve"}), Step.RETRIEVE),
    ("BaseSynthesizer", frozenset({"synthesize", "asynthesize"}), Step.SYNTHESIZE),
    # the public postprocess_nodes is not a dispatcher span; the abstract
    # _postprocess_nodes every postprocessor implements is
    ("BaseNodePostprocessor",
     frozenset({"postprocess_nodes", "_postprocess_nodes", "_apostprocess_nodes"}),
     Step.POSTPROCESS),
    ("BaseTool", frozenset({"call", "acall", "__call__"}), Step.TOOL),
)

_ALL_METHODS = frozenset().union(*(methods for _, methods, _ in _RULES))

# A class's MRO names never change, so a type is looked up once; the cache
# is bounded by the number of component classes in the process.
_base_names: dict[type, frozenset[str]] = {}


def _names_of(cls: type) -> frozenset[str]:
    names = _base_names.get(cls)
    if names is None:
        names = frozenset(c.__name__ for c in cls.__mro__)
        _base_names[cls] = names
    return names


def qualname_of(span_id: str) -> str:
    """The ``Class.method`` (or function qualname) of a dispatcher span id."""
    # the dispatcher appends "-" and a uuid4 (36 characters)
    return span_id[:-37] if len(span_id) > 37 and span_id[-37] == "-" else span_id


def method_of(span_id: str) -> str:
    """The method name inside a dispatcher span id (``Class.method-uuid``)."""
    return qualname_of(span_id).rsplit(".", 1)[-1]


def is_step_of(span_id: str, workflow_type: type) -> bool:
    """Whether a dispatcher span with no instance is a step function of a
    workflow of this type (its id names a class of the workflow's MRO)."""
    owner, _, _ = qualname_of(span_id).rpartition(".")
    return bool(owner) and owner.rsplit(".", 1)[-1] in _names_of(workflow_type)


def classify(instance: Any, method: str) -> Step | None:
    """The step a dispatcher span is, or None when it stays transparent."""
    if instance is None or method not in _ALL_METHODS:
        return None
    names = _names_of(type(instance))
    for base, methods, step in _RULES:
        if method in methods and base in names:
            return step
    return None


def is_stream_method(method: str) -> bool:
    return "stream" in method

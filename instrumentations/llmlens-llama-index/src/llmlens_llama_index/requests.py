"""LlamaIndex components in, :class:`Request` records out (what is known when
a step starts)."""

from __future__ import annotations

from typing import Any

from opentelemetry.trace import SpanKind

from llmlens_llama_index.classify import Step, is_stream_method
from llmlens_semconv import Request
from llmlens_semconv import names as n

# llama-index integration package (llama_index.llms.<x>, llama_index.embeddings.<x>)
# -> gen_ai.provider.name
_PROVIDERS = {
    "openai": n.PROVIDER_OPENAI,
    "openai_like": n.PROVIDER_OPENAI,
    "azure_openai": n.PROVIDER_AZURE_OPENAI,
    "azure_inference": n.PROVIDER_AZURE_INFERENCE,
    "anthropic": n.PROVIDER_ANTHROPIC,
    "bedrock": n.PROVIDER_AWS_BEDROCK,
    "bedrock_converse": n.PROVIDER_AWS_BEDROCK,
    "vertex": n.PROVIDER_GCP_VERTEX_AI,
    "gemini": n.PROVIDER_GCP_GEMINI,
    "google_genai": n.PROVIDER_GCP_GEN_AI,
    "cohere": n.PROVIDER_COHERE,
    "mistralai": n.PROVIDER_MISTRAL_AI,
    "groq": n.PROVIDER_GROQ,
    "deepseek": n.PROVIDER_DEEPSEEK,
    "perplexity": n.PROVIDER_PERPLEXITY,
    "ibm": n.PROVIDER_IBM_WATSONX,
}


def provider_of(instance: Any) -> str | None:
    parts = type(instance).__module__.split(".")
    if len(parts) >= 3 and parts[0] == "llama_index" and parts[1] in ("llms", "embeddings"):
        return _PROVIDERS.get(parts[2])
    return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return None
    return value


def llm_model_of(instance: Any) -> str | None:
    model = _text(getattr(instance, "model", None))
    if model is None:
        try:
            model = _text(instance.metadata.model_name)
        except Exception:  # noqa: BLE001 - metadata is the integration's code
            model = None
    return None if model == "unknown" else model


def _is_chat_model(instance: Any) -> bool:
    try:
        return bool(instance.metadata.is_chat_model)
    except Exception:  # noqa: BLE001 - metadata is the integration's code
        return True


def llm_request(instance: Any, method: str) -> Request:
    model = llm_model_of(instance)
    chat = "chat" in method or _is_chat_model(instance)
    operation = n.OP_CHAT if chat else n.OP_TEXT_COMPLETION
    return Request(
        operation=operation,
        provider=provider_of(instance),
        model=model or type(instance).__name__,
        stream=is_stream_method(method),
        max_tokens=_count(getattr(instance, "max_tokens", None)),
        temperature=_number(getattr(instance, "temperature", None)),
        top_p=_number(getattr(instance, "top_p", None)),
        framework=True,
    )


def embed_request(instance: Any) -> Request:
    model = _text(getattr(instance, "model_name", None))
    return Request(
        operation=n.OP_EMBEDDINGS,
        provider=provider_of(instance),
        model=model if model and model != "unknown" else type(instance).__name__,
        framework=True,
    )


def _index_id(retriever: Any) -> str | None:
    index = getattr(retriever, "_index", None)
    return _text(getattr(index, "index_id", None)) if index is not None else None


def retrieve_request(instance: Any) -> Request:
    top_k = getattr(instance, "similarity_top_k", None)
    if top_k is None:
        top_k = getattr(instance, "_similarity_top_k", None)
    return Request(
        operation=n.OP_RETRIEVAL,
        data_source_id=_index_id(instance) or type(instance).__name__,
        retrieval_top_k=_count(top_k),
    )


def tool_request(instance: Any) -> Request:
    metadata = getattr(instance, "metadata", None)
    name = _text(getattr(metadata, "name", None)) or type(instance).__name__
    return Request(
        operation=n.OP_EXECUTE_TOOL,
        tool_name=name,
        tool_description=_text(getattr(metadata, "description", None)),
        tool_type="function",
    )


def agent_request(instance: Any) -> Request:
    name = _text(getattr(instance, "name", None)) or type(instance).__name__
    return Request(
        operation=n.OP_INVOKE_AGENT,
        agent_name=name,
        agent_description=_text(getattr(instance, "description", None)),
    )


def workflow_request(instance: Any) -> Request:
    return Request(operation=n.OP_INVOKE_WORKFLOW, workflow_name=type(instance).__name__)


def internal_request(label: str, target: str) -> Request:
    """A pipeline step the conventions do not name (synthesis, postprocessing,
    a workflow's step)."""
    return Request(operation=None, span_name=f"{label} {target}", kind=SpanKind.INTERNAL)


def request_for(step: Step, instance: Any, method: str) -> Request:
    if step is Step.LLM:
        return llm_request(instance, method)
    if step is Step.EMBED:
        return embed_request(instance)
    if step is Step.RETRIEVE:
        return retrieve_request(instance)
    if step is Step.TOOL:
        return tool_request(instance)
    if step is Step.AGENT:
        return agent_request(instance)
    if step is Step.SYNTHESIZE:
        return internal_request("synthesize", type(instance).__name__)
    if step is Step.POSTPROCESS:
        return internal_request("postprocess", type(instance).__name__)
    if step is Step.WORKFLOW_STEP:
        return internal_request("step", method)
    # query engines, chat engines, workflows: the query is the workflow
    return workflow_request(instance)

"""LangChain run data (serialized objects, metadata, invocation parameters,
``LLMResult``) mapped onto the emitter's records. Pure functions; no span work."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llmlens_langchain.providers import provider_name
from llmlens_semconv import Request, Response, Usage
from llmlens_semconv import names as n

# LangChain's own ids for messages the provider gave none ("run-…", "lc_run--…")
_LANGCHAIN_ID_PREFIXES = ("run-", "lc_run-", "lc_")
_MAX_TOKEN_KEYS = ("max_tokens", "max_completion_tokens", "max_output_tokens",
                   "max_tokens_to_sample", "max_new_tokens", "num_predict")
_MODEL_KEYS = ("model", "model_name", "model_id", "deployment_name")


def run_name(serialized: Mapping[str, Any] | None, kwargs: Mapping[str, Any]) -> str:
    """The name LangChain shows for a run (``name=`` override first)."""
    name = kwargs.get("name")
    if isinstance(name, str) and name:
        return name
    if serialized:
        name = serialized.get("name")
        if isinstance(name, str) and name:
            return name
        ids = serialized.get("id")
        if isinstance(ids, Sequence) and ids and isinstance(ids[-1], str):
            return ids[-1]
    return "chain"


def is_agent(serialized: Mapping[str, Any] | None, name: str,
             metadata: Mapping[str, Any] | None) -> bool:
    """An agent run: LangChain's ``create_agent`` graphs (``lc_agent_name``) and
    the legacy ``AgentExecutor``."""
    if metadata and metadata.get("lc_agent_name") == name:
        return True
    ids = serialized.get("id") if serialized else None
    return isinstance(ids, Sequence) and bool(ids) and ids[-1] == "AgentExecutor"


def conversation_id(metadata: Mapping[str, Any] | None) -> str | None:
    """LangGraph's thread id (it copies ``configurable.thread_id`` into run
    metadata): the conversation the run belongs to."""
    value = (metadata or {}).get("thread_id")
    return value if isinstance(value, str) and value else None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _integer(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence) and value and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def model_request(
    operation: str,
    serialized: Mapping[str, Any] | None,
    metadata: Mapping[str, Any] | None,
    invocation_params: Mapping[str, Any] | None,
) -> Request:
    """A chat model / LLM run as an inference request (framework level)."""
    meta = metadata or {}
    params = invocation_params or {}
    model = meta.get("ls_model_name")
    if not isinstance(model, str) or not model:
        model = next((params[k] for k in _MODEL_KEYS if isinstance(params.get(k), str)), None)
    max_tokens = next(
        (v for v in (_integer(params.get(k)) for k in _MAX_TOKEN_KEYS) if v is not None),
        _integer(meta.get("ls_max_tokens")),
    )
    temperature = _number(params.get("temperature"))
    if temperature is None:
        temperature = _number(meta.get("ls_temperature"))
    stop = _strings(params.get("stop")) or _strings(params.get("stop_sequences")) \
        or _strings(meta.get("ls_stop"))
    tools = tool_definitions(params.get("tools"))
    return Request(
        operation=operation,
        provider=provider_name(meta.get("ls_provider")),
        model=model,
        stream=bool(params.get("stream") or params.get("streaming")),
        max_tokens=max_tokens,
        temperature=temperature,
        top_p=_number(params.get("top_p")),
        top_k=_number(params.get("top_k")),
        frequency_penalty=_number(params.get("frequency_penalty")),
        presence_penalty=_number(params.get("presence_penalty")),
        stop_sequences=stop,
        seed=_integer(params.get("seed")),
        choice_count=_integer(params.get("n")),
        tool_definitions=tools,
        framework=True,
    )


def tool_definitions(tools: Any) -> list[dict[str, Any]] | None:
    """Tool definitions from invocation params, in OpenAI or Anthropic shape."""
    if not isinstance(tools, Sequence) or isinstance(tools, str) or not tools:
        return None
    out: list[dict[str, Any]] = []
    for tool in tools:
        if not isinstance(tool, Mapping):
            continue
        function = tool.get("function")
        if isinstance(function, Mapping):  # OpenAI: {"type": "function", "function": {...}}
            definition: dict[str, Any] = {"type": tool.get("type", "function"),
                                          "name": function.get("name")}
            if function.get("description") is not None:
                definition["description"] = function.get("description")
            if function.get("parameters") is not None:
                definition["parameters"] = function.get("parameters")
        else:  # Anthropic and others: {"name", "description", "input_schema"}
            definition = {"type": tool.get("type") or "function", "name": tool.get("name")}
            if tool.get("description") is not None:
                definition["description"] = tool.get("description")
            schema = tool.get("input_schema", tool.get("parameters"))
            if schema is not None:
                definition["parameters"] = schema
        if definition.get("name"):
            out.append(definition)
    return out or None


# --- responses ---------------------------------------------------------------------


def _detail_sum(details: Any, suffixes: tuple[str, ...]) -> int | None:
    """Sum of a usage-details dict's counts whose key ends with one of the
    suffixes (covers service-tier prefixes such as ``priority_cache_read`` and
    Anthropic's per-TTL ``ephemeral_5m_input_tokens``)."""
    if not isinstance(details, Mapping):
        return None
    total = None
    for key, value in details.items():
        if isinstance(key, str) and key.endswith(suffixes) and _integer(value) is not None:
            total = (total or 0) + value
    return total


def usage_from_metadata(usage: Any) -> Usage | None:
    """LangChain's ``UsageMetadata`` (a dict): input tokens already include
    cached ones (read and written), output tokens include reasoning ones."""
    if not isinstance(usage, Mapping):
        return None
    input_tokens = _integer(usage.get("input_tokens"))
    output_tokens = _integer(usage.get("output_tokens"))
    if input_tokens is None and output_tokens is None:
        return None
    in_details = usage.get("input_token_details")
    out_details = usage.get("output_token_details")
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_input_tokens=_detail_sum(in_details, ("cache_read",)),
        cache_write_input_tokens=_detail_sum(
            in_details, ("cache_creation", "ephemeral_5m_input_tokens",
                         "ephemeral_1h_input_tokens")),
        reasoning_output_tokens=_detail_sum(out_details, ("reasoning",)),
        audio_input_tokens=_detail_sum(in_details, ("audio",)),
        audio_output_tokens=_detail_sum(out_details, ("audio",)),
    )


def _usage_from_llm_output(llm_output: Any) -> Usage | None:
    """The provider-shaped usage some LLM integrations put in ``llm_output``."""
    if not isinstance(llm_output, Mapping):
        return None
    raw = llm_output.get("token_usage") or llm_output.get("usage")
    if not isinstance(raw, Mapping):
        return None
    input_tokens = _integer(raw.get("prompt_tokens", raw.get("input_tokens")))
    output_tokens = _integer(raw.get("completion_tokens", raw.get("output_tokens")))
    if input_tokens is None and output_tokens is None:
        return None
    return Usage(input_tokens=input_tokens, output_tokens=output_tokens)


def _first_generation(result: Any) -> Any:
    generations = getattr(result, "generations", None)
    if not generations or not generations[0]:
        return None
    return generations[0][0]


def _response_metadata(generation: Any) -> Mapping[str, Any]:
    message = getattr(generation, "message", None)
    meta = getattr(message, "response_metadata", None)
    return meta if isinstance(meta, Mapping) else {}


def finish_reasons(result: Any) -> list[str] | None:
    reasons: list[str] = []
    for group in getattr(result, "generations", None) or []:
        for generation in group:
            info = getattr(generation, "generation_info", None) or {}
            meta = _response_metadata(generation)
            reason = (info.get("finish_reason") or info.get("stop_reason")
                      or meta.get("finish_reason") or meta.get("stop_reason"))
            if isinstance(reason, str) and reason:
                reasons.append(reason)
    return reasons or None


def model_response(result: Any, *, output_messages: Sequence[Any] | None = None) -> Response:
    """An ``LLMResult`` as a response: id, model, finish reasons, usage. Usage
    comes from the first generation (LangChain copies the call's usage onto
    every choice) or, failing that, from ``llm_output``."""
    generation = _first_generation(result)
    message = getattr(generation, "message", None)
    meta = _response_metadata(generation)
    llm_output = getattr(result, "llm_output", None)
    usage = usage_from_metadata(getattr(message, "usage_metadata", None))
    if usage is None:
        usage = _usage_from_llm_output(llm_output)
    response_id = meta.get("id") or getattr(message, "id", None)
    if not isinstance(response_id, str) or response_id.startswith(_LANGCHAIN_ID_PREFIXES):
        response_id = None
    model = meta.get("model_name") or meta.get("model")
    if not isinstance(model, str) and isinstance(llm_output, Mapping):
        model = llm_output.get("model_name") or llm_output.get("model")
    extra: dict[str, Any] = {}
    fingerprint = meta.get("system_fingerprint")
    if isinstance(fingerprint, str) and fingerprint:
        extra[n.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint
    return Response(
        id=response_id,
        model=model if isinstance(model, str) else None,
        finish_reasons=finish_reasons(result),
        usage=usage,
        extra=extra or None,
        output_messages=output_messages,
    )

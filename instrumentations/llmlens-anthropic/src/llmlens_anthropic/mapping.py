"""SDK objects to llmlens records: request parameters, messages, usage,
finish reasons, error types and the provider of a client."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.trace import SpanKind

from llmlens_anthropic import content as c
from llmlens_semconv import Request, Response, Usage, names, parts
from llmlens_semconv.errors import error_type_of

_OUTPUT_TYPE_JSON = "json"
_ROLE_ASSISTANT = "assistant"

# stop_reason -> the conventions' finish reason; unknown reasons stay verbatim
FINISH_REASONS: dict[str, str] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_call",
    "refusal": "content_filter",
}

_provider_by_class: dict[type, str] = {}


def provider_of(client: Any) -> str:
    """``aws.bedrock`` / ``gcp.vertex_ai`` for the SDK's platform clients."""
    cls = type(client)
    provider = _provider_by_class.get(cls)
    if provider is None:
        class_names = " ".join(k.__name__ for k in cls.__mro__)
        if "Bedrock" in class_names:
            provider = names.PROVIDER_AWS_BEDROCK
        elif "Vertex" in class_names:
            provider = names.PROVIDER_GCP_VERTEX_AI
        else:
            provider = names.PROVIDER_ANTHROPIC
        _provider_by_class[cls] = provider
    return provider


def _server_of(client: Any) -> tuple[str | None, int | None]:
    url = getattr(client, "base_url", None)
    host = getattr(url, "host", None)
    if not host:
        return None, None
    port = getattr(url, "port", None)
    if port is None:
        port = 443 if getattr(url, "scheme", "https") == "https" else 80
    return host, port


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _strings(value: Any) -> list[str] | None:
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _conversation_id(client: Any) -> str | None:
    # the SDK's own option for linking a client's calls to one conversation
    option = getattr(client, "_open_telemetry", None)
    if isinstance(option, Mapping):
        return _str(option.get("conversation_id"))
    return None


def _output_type(kwargs: Mapping[str, Any]) -> str | None:
    output_format = kwargs.get("output_format")
    if isinstance(output_format, type):
        return _OUTPUT_TYPE_JSON
    for fmt in (c.field(kwargs.get("output_config"), "format"), output_format):
        if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
            return _OUTPUT_TYPE_JSON
    return None


def _sampling(kwargs: Mapping[str, Any], name: str) -> Any:
    """A sampling parameter: a keyword of older SDKs, ``extra_body`` in newer
    ones that dropped it from the signature."""
    value = kwargs.get(name)
    if value is None:
        extra = kwargs.get("extra_body")
        if isinstance(extra, Mapping):
            value = extra.get(name)
    return value


def chat_request(
    client: Any, kwargs: Mapping[str, Any], *, stream: bool, capture: bool,
) -> Request:
    """The record of a ``messages.create``/``stream``/``parse`` call."""
    address, port = _server_of(client)
    request = Request(
        operation=names.OP_CHAT,
        provider=provider_of(client),
        model=_str(kwargs.get("model")),
        server_address=address,
        server_port=port,
        stream=stream,
        max_tokens=_int(kwargs.get("max_tokens")),
        temperature=_number(_sampling(kwargs, "temperature")),
        top_p=_number(_sampling(kwargs, "top_p")),
        top_k=_int(_sampling(kwargs, "top_k")),
        stop_sequences=_strings(kwargs.get("stop_sequences")),
        output_type=_output_type(kwargs),
        reasoning_level=_str(c.field(kwargs.get("output_config"), "effort")),
        conversation_id=_conversation_id(client),
    )
    tools = kwargs.get("tools")
    if tools:
        request.tool_definitions = c.tool_definitions(tools, with_details=capture)
    if capture:
        request.input_messages = c.input_messages(kwargs.get("messages"))
        request.system_instructions = c.system_instructions(kwargs.get("system"))
    return request


def method_request(client: Any, span_name: str, kwargs: Mapping[str, Any]) -> Request:
    """A call the conventions name no operation for (token counting, batches):
    a CLIENT span named after the SDK method, with the provider only."""
    address, port = _server_of(client)
    return Request(
        operation=None,
        provider=provider_of(client),
        model=_str(kwargs.get("model")),
        server_address=address,
        server_port=port,
        span_name=span_name,
        kind=SpanKind.CLIENT,
    )


def usage_of(usage: Any) -> Usage | None:
    """API usage as billed: input includes cache reads and cache writes."""
    if usage is None:
        return None
    input_tokens = _int(c.field(usage, "input_tokens"))
    output_tokens = _int(c.field(usage, "output_tokens"))
    cache_read = _int(c.field(usage, "cache_read_input_tokens"))
    cache_write = _int(c.field(usage, "cache_creation_input_tokens"))
    details = c.field(usage, "output_tokens_details")
    reasoning = _int(c.field(details, "thinking_tokens")) if details is not None else None
    return make_usage(input_tokens, output_tokens, cache_read, cache_write, reasoning)


def make_usage(
    input_tokens: int | None, output_tokens: int | None, cache_read: int | None,
    cache_write: int | None, reasoning: int | None,
) -> Usage | None:
    if input_tokens is None and output_tokens is None:
        return None
    total_input = None
    if input_tokens is not None:
        total_input = input_tokens + (cache_read or 0) + (cache_write or 0)
    return Usage(
        input_tokens=total_input,
        output_tokens=output_tokens,
        cache_read_input_tokens=cache_read,
        cache_write_input_tokens=cache_write,
        reasoning_output_tokens=reasoning,
    )


def finish_reason_of(stop_reason: Any) -> str | None:
    if not isinstance(stop_reason, str):
        return None
    return FINISH_REASONS.get(stop_reason, stop_reason)


def output_message(blocks: Any, finish_reason: str | None) -> dict[str, Any]:
    return parts.message(
        _ROLE_ASSISTANT, c.content_parts(blocks), finish_reason=finish_reason)


def message_response(message: Any, *, capture: bool) -> Response:
    """The record of a returned ``Message`` (a model or its JSON body)."""
    finish = finish_reason_of(c.field(message, "stop_reason"))
    response = Response(
        id=_str(c.field(message, "id")),
        model=_str(c.field(message, "model")),
        finish_reasons=[finish] if finish else None,
        usage=usage_of(c.field(message, "usage")),
    )
    if capture:
        response.output_messages = [output_message(c.field(message, "content"), finish)]
    return response


def error_type(exc: BaseException | None) -> str:
    """The API's error type (``overloaded_error``, ``rate_limit_error``, ...)
    when the error carries one, as for an error event inside a stream; the
    exception's class name otherwise (``APIConnectionError``, ...)."""
    api_type = getattr(exc, "type", None) if exc is not None else None
    if isinstance(api_type, str) and api_type:
        return api_type
    body = getattr(exc, "body", None)
    if isinstance(body, Mapping):
        inner = body.get("error")
        if isinstance(inner, Mapping) and isinstance(inner.get("type"), str):
            return inner["type"]
    return error_type_of(exc)

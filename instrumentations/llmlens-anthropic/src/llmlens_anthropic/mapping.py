"""SDK objects to llmlens records: request parameters, messages, usage,
finish reasons, error types and the provider of a client."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.trace import SpanKind

from llmlens_anthropic import content as c
from llmlens_semconv import Request, Response, Usage, names, parts
from llmlens_semconv.errors import error_type_of
from llmlens_semconv.fields import fields_of

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


# client -> (its stored base URL object, (host, port)): read once per client,
# again only when the client's base URL is replaced (the SDK's public
# ``base_url`` property costs more than the rest of a request's mapping)
_servers: weakref.WeakKeyDictionary[Any, tuple[Any, tuple[str | None, int | None]]] = (
    weakref.WeakKeyDictionary())


def _server_of(client: Any) -> tuple[str | None, int | None]:
    stored = getattr(client, "_base_url", None)
    try:
        known = _servers.get(client)
    except TypeError:  # not weak-referenceable
        return _read_server(client)
    if known is not None and stored is not None and known[0] is stored:
        return known[1]
    server = _read_server(client)
    _servers[client] = (stored, server)
    return server


def _read_server(client: Any) -> tuple[str | None, int | None]:
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


def _output_type(output_format: Any, output_config: Any) -> str | None:
    if isinstance(output_format, type):
        return _OUTPUT_TYPE_JSON
    for fmt in (fields_of(output_config).get("format"), output_format):
        if isinstance(fmt, Mapping) and fmt.get("type") == "json_schema":
            return _OUTPUT_TYPE_JSON
    return None


# messages argument -> (Request field, conversion), read by walking the
# arguments given (a call passes a few of the many it could)
_CHAT_ARGUMENTS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "max_tokens": ("max_tokens", _int),
    "temperature": ("temperature", _number),
    "top_p": ("top_p", _number),
    "top_k": ("top_k", _int),
    "stop_sequences": ("stop_sequences", _strings),
}
# sampling parameters newer SDKs dropped from the signature: in extra_body
_SAMPLING_ARGUMENTS = ("temperature", "top_p", "top_k")


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
        conversation_id=_conversation_id(client),
    )
    for name, value in kwargs.items():
        spec = _CHAT_ARGUMENTS.get(name)
        if spec is not None:
            converted = spec[1](value)
            if converted is not None:
                setattr(request, spec[0], converted)
    extra_body = kwargs.get("extra_body")
    if isinstance(extra_body, Mapping):
        for name in _SAMPLING_ARGUMENTS:
            slot, convert = _CHAT_ARGUMENTS[name]
            if getattr(request, slot) is None:
                setattr(request, slot, convert(extra_body.get(name)))
    output_format, output_config = kwargs.get("output_format"), kwargs.get("output_config")
    if output_format is not None or output_config is not None:
        request.output_type = _output_type(output_format, output_config)
        request.reasoning_level = _str(fields_of(output_config).get("effort"))
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
    fields = fields_of(usage)
    details = fields.get("output_tokens_details")
    return make_usage(
        _int(fields.get("input_tokens")),
        _int(fields.get("output_tokens")),
        _int(fields.get("cache_read_input_tokens")),
        _int(fields.get("cache_creation_input_tokens")),
        _int(fields_of(details).get("thinking_tokens")) if details is not None else None,
    )


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
    fields = fields_of(message)
    finish = finish_reason_of(fields.get("stop_reason"))
    response = Response(
        id=_str(fields.get("id")),
        model=_str(fields.get("model")),
        finish_reasons=[finish] if finish else None,
        usage=usage_of(fields.get("usage")),
    )
    if capture:
        response.output_messages = [output_message(fields.get("content"), finish)]
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

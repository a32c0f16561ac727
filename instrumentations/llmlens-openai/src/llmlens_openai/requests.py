"""Request arguments of each API surface as an llmlens ``Request``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from llmlens_openai import content
from llmlens_openai.provider import endpoint_of
from llmlens_openai.values import arg, as_float, as_int, as_str, field, given
from llmlens_semconv import Request
from llmlens_semconv import names as n

CHAT = "chat"
RESPONSES = "responses"
EMBEDDINGS = "embeddings"
COMPLETIONS = "completions"

_OPERATION = {
    CHAT: n.OP_CHAT,
    RESPONSES: n.OP_CHAT,
    EMBEDDINGS: n.OP_EMBEDDINGS,
    COMPLETIONS: n.OP_TEXT_COMPLETION,
}


def _stop_sequences(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [s for s in value if isinstance(s, str)] or None
    return None


def _output_type(fmt: Any) -> str | None:
    """``gen_ai.output.type`` from a response_format / text.format."""
    if fmt is None:
        return None
    if isinstance(fmt, type):
        return "json"  # a pydantic model given to .parse()
    kind = field(fmt, "type")
    if kind in ("json_object", "json_schema"):
        return "json"
    if kind == "text":
        return "text"
    return None


def _base(kind: str, resource: Any, kwargs: dict[str, Any], stream: bool) -> Request:
    endpoint = endpoint_of(resource)
    return Request(
        operation=_OPERATION[kind],
        provider=endpoint.provider,
        model=as_str(arg(kwargs, "model")),
        server_address=endpoint.address,
        server_port=endpoint.port,
        stream=stream,
    )


def _service_tier_extra(kwargs: dict[str, Any], api_type: str | None) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    if api_type:
        extra[n.OPENAI_API_TYPE] = api_type
    tier = as_str(arg(kwargs, "service_tier"))
    if tier and tier != "auto":
        extra[n.OPENAI_REQUEST_SERVICE_TIER] = tier
    return extra


# chat argument -> (Request field, conversion, whether it replaces a value
# already set): read by walking the arguments given, a few of the many a call
# could pass. max_completion_tokens wins over the deprecated max_tokens.
_CHAT_ARGUMENTS: dict[str, tuple[str, Callable[[Any], Any], bool]] = {
    "temperature": ("temperature", as_float, True),
    "top_p": ("top_p", as_float, True),
    "frequency_penalty": ("frequency_penalty", as_float, True),
    "presence_penalty": ("presence_penalty", as_float, True),
    "seed": ("seed", as_int, True),
    "n": ("choice_count", as_int, True),
    "max_completion_tokens": ("max_tokens", as_int, True),
    "max_tokens": ("max_tokens", as_int, False),
    "stop": ("stop_sequences", _stop_sequences, True),
    "response_format": ("output_type", _output_type, True),
    "reasoning_effort": ("reasoning_level", as_str, True),
}


def chat_request(resource: Any, kwargs: dict[str, Any], capture: bool) -> Request:
    req = _base(CHAT, resource, kwargs, bool(arg(kwargs, "stream")))
    for name, value in kwargs.items():
        spec = _CHAT_ARGUMENTS.get(name)
        if spec is None or not given(value):
            continue
        slot, convert, replaces = spec
        converted = convert(value)
        if converted is not None and (replaces or getattr(req, slot) is None):
            setattr(req, slot, converted)
    req.extra = _service_tier_extra(kwargs, n.OPENAI_API_TYPE_CHAT_COMPLETIONS)
    tools = arg(kwargs, "tools")
    if tools:
        req.tool_definitions = content.tool_definitions(tools, detailed=capture)
    if capture:
        req.system_instructions, req.input_messages = content.chat_inputs(
            arg(kwargs, "messages"))
    return req


def responses_request(resource: Any, kwargs: dict[str, Any], capture: bool) -> Request:
    req = _base(RESPONSES, resource, kwargs, bool(arg(kwargs, "stream")))
    req.max_tokens = as_int(arg(kwargs, "max_output_tokens"))
    req.temperature = as_float(arg(kwargs, "temperature"))
    req.top_p = as_float(arg(kwargs, "top_p"))
    req.reasoning_level = as_str(field(arg(kwargs, "reasoning"), "effort"))
    req.previous_response_id = as_str(arg(kwargs, "previous_response_id"))
    conversation = arg(kwargs, "conversation")
    req.conversation_id = as_str(conversation) or as_str(field(conversation, "id"))
    text = arg(kwargs, "text")
    req.output_type = _output_type(arg(kwargs, "text_format")) or _output_type(
        field(text, "format"))
    req.extra = _service_tier_extra(kwargs, n.OPENAI_API_TYPE_RESPONSES)
    tools = arg(kwargs, "tools")
    if tools:
        req.tool_definitions = content.tool_definitions(tools, detailed=capture)
    if capture:
        req.system_instructions, req.input_messages = content.responses_inputs(
            arg(kwargs, "instructions"), arg(kwargs, "input"))
    return req


def embeddings_request(resource: Any, kwargs: dict[str, Any], capture: bool) -> Request:
    req = _base(EMBEDDINGS, resource, kwargs, False)
    fmt = as_str(arg(kwargs, "encoding_format"))
    if fmt:
        req.encoding_formats = [fmt]
    return req


def completions_request(resource: Any, kwargs: dict[str, Any], capture: bool) -> Request:
    req = _base(COMPLETIONS, resource, kwargs, bool(arg(kwargs, "stream")))
    req.max_tokens = as_int(arg(kwargs, "max_tokens"))
    req.temperature = as_float(arg(kwargs, "temperature"))
    req.top_p = as_float(arg(kwargs, "top_p"))
    req.frequency_penalty = as_float(arg(kwargs, "frequency_penalty"))
    req.presence_penalty = as_float(arg(kwargs, "presence_penalty"))
    req.stop_sequences = _stop_sequences(arg(kwargs, "stop"))
    req.seed = as_int(arg(kwargs, "seed"))
    req.choice_count = as_int(arg(kwargs, "n"))
    if capture:
        req.input_messages = content.completion_inputs(arg(kwargs, "prompt"))
    return req


BUILDERS = {
    CHAT: chat_request,
    RESPONSES: responses_request,
    EMBEDDINGS: embeddings_request,
    COMPLETIONS: completions_request,
}

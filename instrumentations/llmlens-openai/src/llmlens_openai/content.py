"""OpenAI messages and outputs as the conventions' message parts.

Only called when content capture is on: nothing here runs on the hot path
of a call that records no content.
"""

from __future__ import annotations

import json
from typing import Any

from llmlens_openai.values import as_str, field, items
from llmlens_semconv import parts

_SYSTEM_ROLES = frozenset({"system", "developer"})


def _arguments(raw: Any) -> Any:
    """Tool-call arguments as JSON when they parse, else verbatim."""
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def _data_uri_part(url: str, modality: str) -> dict[str, Any]:
    """An image/audio URL: a blob when it carries the data inline."""
    if url.startswith("data:") and "," in url:
        header, _, data = url.partition(",")
        mime = header[5:].split(";", 1)[0] or None
        return parts.blob(data, modality, mime)
    return parts.uri(url, modality)


# --- chat completions -----------------------------------------------------------


def _chat_content_parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [parts.text(content)]
    out: list[dict[str, Any]] = []
    for item in items(content):
        kind = field(item, "type")
        if kind == "text":
            out.append(parts.text(field(item, "text") or ""))
        elif kind == "image_url":
            url = field(field(item, "image_url"), "url")
            if isinstance(url, str):
                out.append(_data_uri_part(url, "image"))
        elif kind == "input_audio":
            audio = field(item, "input_audio")
            fmt = field(audio, "format")
            out.append(parts.blob(field(audio, "data") or "", "audio",
                                  f"audio/{fmt}" if fmt else None))
        elif kind == "file":
            file = field(item, "file")
            if field(file, "file_id"):
                out.append(parts.file(field(file, "file_id"), "document"))
            elif field(file, "file_data"):
                out.append(_data_uri_part(str(field(file, "file_data")), "document"))
        elif kind == "refusal":
            out.append(parts.generic("refusal", content=field(item, "refusal") or ""))
        elif kind:
            out.append(parts.generic(str(kind)))
    return out


def chat_inputs(messages: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system instructions, input messages) of a chat.completions request."""
    system: list[dict[str, Any]] = []
    inputs: list[dict[str, Any]] = []
    for msg in items(messages):
        role = as_str(field(msg, "role")) or "user"
        content = field(msg, "content")
        if role in _SYSTEM_ROLES:
            system.extend(_chat_content_parts(content))
            continue
        if role in ("tool", "function"):
            call_id = field(msg, "tool_call_id")
            body = content if isinstance(content, str) else _chat_content_parts(content)
            inputs.append(parts.message("tool", [parts.tool_call_response(body, call_id)]))
            continue
        msg_parts = _chat_content_parts(content)
        refusal = field(msg, "refusal")
        if refusal:
            msg_parts.append(parts.generic("refusal", content=refusal))
        for call in items(field(msg, "tool_calls")):
            function = field(call, "function")
            msg_parts.append(parts.tool_call(
                field(function, "name") or "", _arguments(field(function, "arguments")),
                field(call, "id")))
        inputs.append(parts.message(role, msg_parts, name=field(msg, "name")))
    return system, inputs


def chat_output(message: Any, finish_reason: str | None) -> dict[str, Any]:
    """One choice's message (a model or the fields accumulated from a stream)."""
    msg_parts: list[dict[str, Any]] = []
    content = field(message, "content")
    if content:
        msg_parts.append(parts.text(content))
    refusal = field(message, "refusal")
    if refusal:
        msg_parts.append(parts.generic("refusal", content=refusal))
    for call in items(field(message, "tool_calls")):
        function = field(call, "function")
        msg_parts.append(parts.tool_call(
            field(function, "name") or "", _arguments(field(function, "arguments")),
            field(call, "id")))
    return parts.message("assistant", msg_parts, finish_reason=finish_reason or "error")


# --- legacy completions -------------------------------------------------------------


def completion_inputs(prompt: Any) -> list[dict[str, Any]]:
    if isinstance(prompt, str):
        return [parts.message("user", [parts.text(prompt)])]
    if isinstance(prompt, list) and all(isinstance(p, str) for p in prompt):
        return [parts.message("user", [parts.text(p) for p in prompt])]
    return []


# --- responses API -----------------------------------------------------------------


def _response_content_parts(content: Any) -> list[dict[str, Any]]:
    if content is None:
        return []
    if isinstance(content, str):
        return [parts.text(content)]
    out: list[dict[str, Any]] = []
    for item in items(content):
        kind = field(item, "type")
        if kind in ("input_text", "output_text", "text"):
            out.append(parts.text(field(item, "text") or ""))
        elif kind == "refusal":
            out.append(parts.generic("refusal", content=field(item, "refusal") or ""))
        elif kind == "input_image":
            if field(item, "image_url"):
                out.append(_data_uri_part(str(field(item, "image_url")), "image"))
            elif field(item, "file_id"):
                out.append(parts.file(field(item, "file_id"), "image"))
        elif kind == "input_file":
            if field(item, "file_id"):
                out.append(parts.file(field(item, "file_id"), "document"))
            elif field(item, "file_url"):
                out.append(parts.uri(str(field(item, "file_url")), "document"))
            elif field(item, "file_data"):
                out.append(_data_uri_part(str(field(item, "file_data")), "document"))
        elif kind == "input_audio":
            audio = field(item, "input_audio")
            out.append(parts.blob(field(audio, "data") or "", "audio"))
        elif kind:
            out.append(parts.generic(str(kind)))
    return out


def _reasoning_text(item: Any) -> str:
    texts = [field(s, "text") or "" for s in items(field(item, "summary"))]
    texts += [field(c, "text") or "" for c in items(field(item, "content"))]
    return "\n".join(t for t in texts if t)


def responses_inputs(
    instructions: Any, input_value: Any,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system instructions, input messages) of a responses request."""
    system: list[dict[str, Any]] = []
    if isinstance(instructions, str) and instructions:
        system.append(parts.text(instructions))
    if isinstance(input_value, str):
        return system, [parts.message("user", [parts.text(input_value)])]
    inputs: list[dict[str, Any]] = []
    for item in items(input_value):
        kind = field(item, "type")
        role = as_str(field(item, "role"))
        if role is not None and kind in (None, "message"):
            content_parts = _response_content_parts(field(item, "content"))
            if role in _SYSTEM_ROLES:
                system.extend(content_parts)
            else:
                inputs.append(parts.message(role, content_parts))
        elif kind == "function_call":
            inputs.append(parts.message("assistant", [parts.tool_call(
                field(item, "name") or "", _arguments(field(item, "arguments")),
                field(item, "call_id"))]))
        elif kind == "function_call_output":
            inputs.append(parts.message("tool", [parts.tool_call_response(
                field(item, "output"), field(item, "call_id"))]))
        elif kind == "reasoning":
            inputs.append(parts.message("assistant", [parts.reasoning(_reasoning_text(item))]))
        elif kind:
            inputs.append(parts.message("user", [parts.generic(str(kind))]))
    return system, inputs


def responses_output(output: Any, finish_reason: str | None) -> dict[str, Any]:
    """The output items of a Response as one assistant message."""
    msg_parts: list[dict[str, Any]] = []
    for item in items(output):
        kind = field(item, "type")
        if kind == "message":
            msg_parts.extend(_response_content_parts(field(item, "content")))
        elif kind == "function_call":
            msg_parts.append(parts.tool_call(
                field(item, "name") or "", _arguments(field(item, "arguments")),
                field(item, "call_id")))
        elif kind == "reasoning":
            text = _reasoning_text(item)
            if text:
                msg_parts.append(parts.reasoning(text))
        elif kind:
            msg_parts.append(parts.generic(str(kind), id=field(item, "id")))
    return parts.message("assistant", msg_parts, finish_reason=finish_reason or "error")


# --- tool definitions ---------------------------------------------------------------


def tool_definitions(tools: Any, *, detailed: bool) -> list[dict[str, Any]]:
    """Tool definitions of a chat or responses request; descriptions and
    parameters only when content capture is on."""
    out: list[dict[str, Any]] = []
    for tool in items(tools):
        kind = as_str(field(tool, "type")) or "function"
        # chat: {"type": "function", "function": {...}}; responses: flat
        spec = field(tool, "function") or tool
        name = field(spec, "name") or kind
        if detailed:
            out.append(parts.tool_definition(
                str(name), tool_type=kind, description=field(spec, "description"),
                parameters=field(spec, "parameters")))
        else:
            out.append(parts.tool_definition(str(name), tool_type=kind))
    return out

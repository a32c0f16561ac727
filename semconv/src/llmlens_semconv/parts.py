"""Builders for the conventions' message-part JSON shapes.

Adapters build content with these so every instrumentor writes the same
shapes (``gen-ai-input-messages.json`` / ``gen-ai-output-messages.json``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def message(
    role: str, parts: Sequence[dict[str, Any]], *, name: str | None = None,
    finish_reason: str | None = None,
) -> dict[str, Any]:
    msg: dict[str, Any] = {"role": role, "parts": list(parts)}
    if name:
        msg["name"] = name
    if finish_reason is not None:
        msg["finish_reason"] = finish_reason
    return msg


def text(content: str) -> dict[str, Any]:
    return {"type": "text", "content": content}


def reasoning(content: str) -> dict[str, Any]:
    return {"type": "reasoning", "content": content}


def tool_call(name: str, arguments: Any = None, call_id: str | None = None) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "tool_call", "name": name}
    if call_id is not None:
        part["id"] = call_id
    if arguments is not None:
        part["arguments"] = arguments
    return part


def tool_call_response(response: Any, call_id: str | None = None) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "tool_call_response", "response": response}
    if call_id is not None:
        part["id"] = call_id
    return part


def blob(content: str, modality: str, mime_type: str | None = None) -> dict[str, Any]:
    """Inline binary content, base64 encoded."""
    part: dict[str, Any] = {"type": "blob", "modality": modality, "content": content}
    if mime_type:
        part["mime_type"] = mime_type
    return part


def uri(value: str, modality: str, mime_type: str | None = None) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "uri", "modality": modality, "uri": value}
    if mime_type:
        part["mime_type"] = mime_type
    return part


def file(file_id: str, modality: str, mime_type: str | None = None) -> dict[str, Any]:
    part: dict[str, Any] = {"type": "file", "modality": modality, "file_id": file_id}
    if mime_type:
        part["mime_type"] = mime_type
    return part


def generic(part_type: str, **fields: Any) -> dict[str, Any]:
    return {"type": part_type, **fields}


def tool_definition(
    name: str, *, tool_type: str = "function", description: str | None = None,
    parameters: Any = None,
) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": tool_type, "name": name}
    if description is not None:
        definition["description"] = description
    if parameters is not None:
        definition["parameters"] = parameters
    return definition

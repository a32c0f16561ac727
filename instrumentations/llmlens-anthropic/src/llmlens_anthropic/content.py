"""Anthropic message content as the conventions' message parts.

Only called when the content policy records content (or, for tool
definitions, with names and types only), so none of this is on the hot path
of a call that records no content. Blocks may be dicts (what callers pass) or
SDK models (what the API returns, often passed back as history).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from llmlens_semconv import parts

_MODALITY_IMAGE = "image"
_MODALITY_DOCUMENT = "document"


def _listed(value: Any) -> bool:
    """Only lists and tuples are walked: any other iterable (a generator) may
    be one-shot, and reading it would take it from the SDK."""
    return isinstance(value, (list, tuple))


def field(obj: Any, name: str) -> Any:
    """``obj[name]`` for a mapping, ``obj.name`` for a model; None when absent."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _text_of(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _as_plain(value: Any) -> Any:
    """A JSON-like copy of a model or a mapping (for generic parts)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        try:
            return dump(mode="json", exclude_none=True)
        except Exception:  # noqa: BLE001 - any object may be passed in
            return str(value)
    if isinstance(value, Mapping):
        return {str(k): _as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_plain(v) for v in value]
    return value


def _source_part(source: Any, modality: str) -> dict[str, Any] | None:
    kind = field(source, "type")
    media_type = _text_of(field(source, "media_type"))
    if kind == "base64":
        return parts.blob(str(field(source, "data") or ""), modality, media_type)
    if kind == "url":
        return parts.uri(str(field(source, "url") or ""), modality, media_type)
    if kind == "file":
        return parts.file(str(field(source, "file_id") or ""), modality, media_type)
    if kind == "text":
        return parts.text(str(field(source, "data") or ""))
    if kind == "content":
        inner = field(source, "content")
        if isinstance(inner, str):
            return parts.text(inner)
        if not _listed(inner):
            return None
        texts = [t for t in (_text_of(field(b, "text")) for b in inner) if t]
        return parts.text("\n".join(texts))
    return None


def _tool_result_response(content: Any) -> Any:
    if content is None or isinstance(content, str):
        return content
    if not _listed(content):
        return None
    out: list[Any] = []
    for block in content:
        part = block_part(block)
        if part is not None:
            out.append(part)
    return out


def block_part(block: Any) -> dict[str, Any] | None:
    """One content block as a message part (None for an empty one)."""
    if isinstance(block, str):
        return parts.text(block)
    kind = field(block, "type")
    if kind == "text":
        return parts.text(str(field(block, "text") or ""))
    if kind == "thinking":
        return parts.reasoning(str(field(block, "thinking") or ""))
    if kind == "redacted_thinking":
        # the payload is encrypted: nothing readable to record
        return parts.generic("redacted_thinking")
    if kind == "tool_use":
        return parts.tool_call(
            str(field(block, "name") or ""), field(block, "input"), _text_of(field(block, "id")))
    if kind == "tool_result":
        return parts.tool_call_response(
            _tool_result_response(field(block, "content")), _text_of(field(block, "tool_use_id")))
    if kind == "image":
        return _source_part(field(block, "source"), _MODALITY_IMAGE) or parts.generic("image")
    if kind == "document":
        return _source_part(field(block, "source"), _MODALITY_DOCUMENT) or parts.generic("document")
    if kind == "server_tool_use":
        name = str(field(block, "name") or "")
        return parts.generic(
            "server_tool_call", id=field(block, "id"), name=name,
            server_tool_call={"type": name, "input": _as_plain(field(block, "input"))},
        )
    if isinstance(kind, str) and kind.endswith("_tool_result"):
        return parts.generic(
            "server_tool_call_response", id=field(block, "tool_use_id"),
            server_tool_call_response={"type": kind, "content": _as_plain(field(block, "content"))},
        )
    if kind is None:
        return None
    return parts.generic(str(kind), content=_as_plain(block))


def content_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [parts.text(content)]
    if not _listed(content):
        return []
    out = []
    for block in content:
        part = block_part(block)
        if part is not None:
            out.append(part)
    return out


def input_messages(messages: Any) -> list[dict[str, Any]] | None:
    if not _listed(messages):
        return None
    return [
        parts.message(str(field(m, "role") or "user"), content_parts(field(m, "content")))
        for m in messages
    ]


def system_instructions(system: Any) -> list[dict[str, Any]] | None:
    if system is None:
        return None
    if isinstance(system, str):
        return [parts.text(system)]
    if _listed(system):
        return content_parts(system)
    return None


def tool_definitions(tools: Any, *, with_details: bool) -> list[dict[str, Any]] | None:
    """Tool definitions; descriptions and schemas only when content is recorded."""
    if not _listed(tools):
        return None
    out = []
    for tool in tools:
        name = field(tool, "name")
        if not isinstance(name, str):
            continue
        kind = field(tool, "type")
        # custom tools (no type, or "custom") are functions; server tools keep their type
        tool_type = "function" if kind in (None, "custom") else str(kind)
        if with_details:
            out.append(parts.tool_definition(
                name, tool_type=tool_type, description=_text_of(field(tool, "description")),
                parameters=_as_plain(field(tool, "input_schema")),
            ))
        else:
            out.append(parts.tool_definition(name, tool_type=tool_type))
    return out or None


def parse_tool_input(raw: str) -> Any:
    """Tool input streamed as JSON text; kept as text when it does not parse."""
    if not raw:
        return {}
    try:
        return json.loads(raw)
    except ValueError:
        return raw

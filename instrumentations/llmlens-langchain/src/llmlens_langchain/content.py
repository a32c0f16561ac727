"""LangChain messages, tool inputs/outputs and documents as the conventions'
content shapes. Only called when content capture is on."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from llmlens_semconv import parts

_ROLES = {"human": "user", "ai": "assistant", "system": "system", "tool": "tool",
          "function": "tool", "chat": "user", "developer": "system"}


def _content_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [parts.text(content)] if content else []
    out: list[dict[str, Any]] = []
    if isinstance(content, Sequence):
        for block in content:
            if isinstance(block, str):
                out.append(parts.text(block))
            elif isinstance(block, Mapping):
                kind = block.get("type")
                if kind == "text" and isinstance(block.get("text"), str):
                    out.append(parts.text(block["text"]))
                elif kind in ("thinking", "reasoning"):
                    thought = block.get("thinking") or block.get("reasoning") or ""
                    out.append(parts.reasoning(str(thought)))
                elif kind in ("tool_use", "tool_call", "function_call"):
                    continue  # reported from the message's tool_calls
                elif isinstance(kind, str):
                    out.append(parts.generic(kind))
    return out


def message(msg: Any, *, finish_reason: str | None = None) -> dict[str, Any]:
    """One LangChain ``BaseMessage`` as a conventions message."""
    kind = getattr(msg, "type", None) or "user"
    role = _ROLES.get(kind, kind)
    if kind == "chat":
        role = getattr(msg, "role", None) or role
    if role == "tool":
        return parts.message("tool", [parts.tool_call_response(
            getattr(msg, "content", None), getattr(msg, "tool_call_id", None))])
    body = _content_parts(getattr(msg, "content", None))
    for call in getattr(msg, "tool_calls", None) or []:
        if isinstance(call, Mapping):
            body.append(parts.tool_call(str(call.get("name")), call.get("args"), call.get("id")))
    return parts.message(role, body, name=getattr(msg, "name", None),
                         finish_reason=finish_reason)


def input_messages(messages: Sequence[Any]) -> list[dict[str, Any]]:
    return [message(m) for m in messages]


def prompt_messages(prompts: Sequence[str]) -> list[dict[str, Any]]:
    return [parts.message("user", [parts.text(p)]) for p in prompts]


def output_messages(result: Any) -> list[dict[str, Any]]:
    """The first prompt's generations as output messages."""
    generations = getattr(result, "generations", None)
    if not generations:
        return []
    out = []
    for generation in generations[0]:
        info = getattr(generation, "generation_info", None) or {}
        msg = getattr(generation, "message", None)
        meta = getattr(msg, "response_metadata", None) or {}
        reason = (info.get("finish_reason") or meta.get("finish_reason")
                  or meta.get("stop_reason"))
        if msg is not None:
            out.append(message(msg, finish_reason=reason))
        else:
            out.append(parts.message("assistant", [parts.text(getattr(generation, "text", ""))],
                                     finish_reason=reason))
    return out


def tool_output(output: Any) -> Any:
    """A tool's result: a ``ToolMessage``'s content, else the value itself."""
    content = getattr(output, "content", None)
    if content is not None and getattr(output, "type", None) == "tool":
        return content
    return output if isinstance(output, (str, int, float, bool, list, dict)) else str(output)


def documents(docs: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for doc in docs:
        entry: dict[str, Any] = {"content": getattr(doc, "page_content", str(doc))}
        doc_id = getattr(doc, "id", None)
        if doc_id is not None:
            entry["id"] = str(doc_id)
        metadata = getattr(doc, "metadata", None)
        if isinstance(metadata, Mapping) and metadata:
            entry["metadata"] = dict(metadata)
        out.append(entry)
    return out

"""Opt-in content in the conventions' shapes. Only called when the
emitter's content policy is enabled (the emitter redacts and bounds it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from llmlens_semconv import parts


def _role(message: Any) -> str:
    role = getattr(message, "role", None)
    value = getattr(role, "value", role)
    return value if isinstance(value, str) and value else "user"


def _content(message: Any) -> str:
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else ""


def chat_messages(messages: Sequence[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(system instructions, input messages) from LlamaIndex ChatMessages."""
    system: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    for message in messages:
        role = _role(message)
        if role == "system":
            system.append(parts.text(_content(message)))
        else:
            others.append(parts.message(role, [parts.text(_content(message))]))
    return system, others


def user_text(text: str) -> list[dict[str, Any]]:
    return [parts.message("user", [parts.text(text)])]


def assistant_text(text: str, finish_reason: str | None = None) -> list[dict[str, Any]]:
    return [parts.message("assistant", [parts.text(text)], finish_reason=finish_reason)]


def query_text(query: Any) -> str | None:
    """The query string of a ``str``, ``QueryBundle`` or ``ChatMessage``."""
    if isinstance(query, str):
        return query
    for attr in ("query_str", "content"):
        text = getattr(query, attr, None)
        if isinstance(text, str):
            return text
    return None


def argument(arguments: dict[str, Any], key: str) -> Any:
    """A call's argument, passed by name, through ``**kwargs``, or inside
    the start event of a workflow run."""
    if key in arguments:
        return arguments[key]
    nested = arguments.get("kwargs")
    if isinstance(nested, dict) and key in nested:
        return nested[key]
    start_event = arguments.get("start_event")
    return getattr(start_event, key, None) if start_event is not None else None


def documents(nodes: Sequence[Any]) -> list[dict[str, Any]]:
    """Retrieved nodes as ``{id, score, content}`` records."""
    out: list[dict[str, Any]] = []
    for item in nodes:
        node = getattr(item, "node", item)
        record: dict[str, Any] = {"id": getattr(node, "node_id", None)}
        score = getattr(item, "score", None)
        if isinstance(score, (int, float)):
            record["score"] = float(score)
        get_content = getattr(node, "get_content", None)
        if callable(get_content):
            record["content"] = get_content()
        out.append(record)
    return out


def tool_arguments(bound_args: Any) -> Any:
    arguments = dict(getattr(bound_args, "arguments", {}) or {})
    arguments.pop("self", None)
    # FunctionTool.call(*args, **kwargs) binds the keyword arguments under "kwargs"
    nested = arguments.pop("kwargs", None)
    if isinstance(nested, dict):
        arguments.update(nested)
    return arguments

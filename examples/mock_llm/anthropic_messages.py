"""Anthropic ``/v1/messages`` (JSON and SSE) and ``/v1/messages/count_tokens``."""

from __future__ import annotations

import json
from typing import Any

from mock_llm.dialogue import Conversation, ToolSpec, Turn, answer
from mock_llm.models import snapshot_of
from mock_llm.replies import BadRequest, EndpointContext, Frame, JsonReply, Reply, StreamReply
from mock_llm.replies import sse_event as _event
from mock_llm.textgen import count_tokens, digest, pieces, reply_words

_STOP_REASON = {
    "stop": "end_turn",
    "length": "max_tokens",
    "tool_call": "tool_use",
    "stop_sequence": "stop_sequence",
}


def _block_text(block: Any) -> str:
    if isinstance(block, str):
        return block
    kind = block.get("type")
    if kind == "text":
        return block.get("text", "")
    if kind == "tool_use":
        return f"{block.get('name', '')} {json.dumps(block.get('input', {}))}"
    if kind == "tool_result":
        content = block.get("content", "")
        if isinstance(content, list):
            return "\n".join(_block_text(part) for part in content)
        return str(content)
    return ""


def _blocks(content: Any) -> list[Any]:
    return [content] if isinstance(content, str) else list(content or [])


def parse_request(body: dict, *, need_max_tokens: bool) -> tuple[Conversation, list[int]]:
    """The conversation, and the segment counts that end at a ``cache_control`` breakpoint."""
    model = body.get("model")
    if not model:
        raise BadRequest("model: Field required")
    if need_max_tokens and body.get("max_tokens") is None:
        raise BadRequest("max_tokens: Field required")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("messages: at least one message is required")
    segments: list[str] = []
    breakpoints: list[int] = []

    def add(text: str, block: Any) -> None:
        segments.append(text)
        if isinstance(block, dict) and block.get("cache_control"):
            breakpoints.append(len(segments))

    tools: list[ToolSpec] = []
    for tool in body.get("tools") or []:
        if "input_schema" in tool:
            tools.append(ToolSpec(tool["name"], tool.get("description", ""), tool["input_schema"]))
            add(f"{tool['name']} {tool.get('description', '')}", tool)
    for block in _blocks(body.get("system")):
        add(_block_text(block), block)
    last_user_text = ""
    names_by_id: dict[str, str] = {}
    trailing_results: list[tuple[str, str]] = []
    for message in messages:
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise BadRequest(f"messages: unexpected role {role!r}")
        user_texts: list[str] = []
        trailing_results = []
        for block in _blocks(message.get("content")):
            text = _block_text(block)
            add(text, block)
            kind = "text" if isinstance(block, str) else block.get("type")
            if kind == "tool_use":
                names_by_id[block.get("id", "")] = block.get("name", "tool")
            elif kind == "tool_result":
                name = names_by_id.get(block.get("tool_use_id", ""), "the tool")
                trailing_results.append((name, text))
            elif kind == "text" and role == "user":
                user_texts.append(text)
        if role == "user" and user_texts:
            last_user_text = "\n".join(user_texts)
    choice = body.get("tool_choice") or {"type": "auto"}
    mode = {"any": "required", "tool": "required", "none": "none"}.get(choice.get("type"), "auto")
    conversation = Conversation(
        model=model,
        segments=segments,
        last_user_text=last_user_text,
        tool_results=trailing_results,
        tools=tools,
        tool_mode=mode,
        forced_tool=choice.get("name") if choice.get("type") == "tool" else None,
        max_tokens=body.get("max_tokens"),
        stop_sequences=list(body.get("stop_sequences") or []),
    )
    return conversation, breakpoints


def _usage(conversation: Conversation, breakpoints: list[int], ctx: EndpointContext) -> dict:
    total = conversation.input_tokens
    read = ctx.cache.longest_seen(conversation.model, conversation.segments, breakpoints)
    written = 0
    if breakpoints:
        last = max(breakpoints)
        written = max(sum(count_tokens(t) for t in conversation.segments[:last]) - read, 0)
        ctx.cache.remember(conversation.model, conversation.segments, breakpoints)
    return {
        "input_tokens": total - read - written,
        "cache_creation_input_tokens": written,
        "cache_read_input_tokens": read,
        "cache_creation": {"ephemeral_5m_input_tokens": written, "ephemeral_1h_input_tokens": 0},
        "output_tokens": 0,
        "server_tool_use": None,
        "service_tier": "standard",
    }


def thinking_words(body: dict, conversation: Conversation, seed: int) -> list[str]:
    """Extended thinking, when the request enables it: deterministic, within the budget."""
    settings = body.get("thinking") or {}
    if settings.get("type") not in ("enabled", "adaptive"):
        return []
    words = ["Let", "me", "think.", *reply_words(seed + 1, "thinking", conversation.last_user_text)]
    return words[: max(int(settings.get("budget_tokens") or len(words)), 1)]


def _signature(words: list[str]) -> str:
    return f"sig{digest('signature', *words):016x}"


def _content(turn: Turn, tool_use_id: str, thinking: list[str]) -> list[dict]:
    blocks: list[dict] = []
    if thinking:
        text = " ".join(thinking)
        blocks.append({"type": "thinking", "thinking": text, "signature": _signature(thinking)})
    if turn.words:
        blocks.append({"type": "text", "text": turn.text, "citations": None})
    if turn.tool_call:
        blocks.append(
            {
                "type": "tool_use",
                "id": tool_use_id,
                "name": turn.tool_call.name,
                "input": turn.tool_call.arguments,
            }
        )
    return blocks


def messages(body: dict, ctx: EndpointContext) -> Reply:
    conversation, breakpoints = parse_request(body, need_max_tokens=True)
    turn = answer(conversation, ctx.seed)
    usage = _usage(conversation, breakpoints, ctx)
    message_id = ctx.ids.new("msg_01")
    tool_use_id = ctx.ids.new("toolu_01")
    model = snapshot_of(conversation.model)
    thinking = thinking_words(body, conversation, ctx.seed)
    output_tokens = turn.output_tokens + len(thinking)
    if body.get("stream"):
        frames = _stream_frames(
            turn, thinking, output_tokens, message_id, tool_use_id, model, usage
        )
        return StreamReply(frames)
    message = {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": _content(turn, tool_use_id, thinking),
        "stop_reason": _STOP_REASON[turn.finish],
        "stop_sequence": turn.stop_sequence,
        "usage": {**usage, "output_tokens": output_tokens},
    }
    return JsonReply(message, output_tokens=output_tokens)


def _stream_frames(
    turn: Turn,
    thinking: list[str],
    output_tokens: int,
    message_id: str,
    tool_use_id: str,
    model: str,
    usage: dict,
) -> list[Frame]:
    frames: list[Frame] = []
    start_usage = {**usage, "output_tokens": 1}
    frames.append(
        _event(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": start_usage,
                },
            },
        )
    )
    index = 0
    if thinking:
        frames.append(
            _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                },
            )
        )
        for piece in pieces(thinking):
            frames.append(
                _event(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "thinking_delta", "thinking": piece},
                    },
                    is_token=True,
                )
            )
        frames.append(
            _event(
                "content_block_delta",
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "signature_delta", "signature": _signature(thinking)},
                },
            )
        )
        frames.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    if turn.words:
        frames.append(
            _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "text", "text": "", "citations": None},
                },
            )
        )
        frames.append(_event("ping", {"type": "ping"}))
        for piece in pieces(turn.words):
            frames.append(
                _event(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "text_delta", "text": piece},
                    },
                    is_token=True,
                )
            )
        frames.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
        index += 1
    if turn.tool_call:
        frames.append(
            _event(
                "content_block_start",
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {
                        "type": "tool_use",
                        "id": tool_use_id,
                        "name": turn.tool_call.name,
                        "input": {},
                    },
                },
            )
        )
        arguments = json.dumps(turn.tool_call.arguments)
        for piece in ["", *[arguments[i : i + 8] for i in range(0, len(arguments), 8)]]:
            frames.append(
                _event(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                    is_token=bool(piece),
                )
            )
        frames.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}))
    frames.append(
        _event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {
                    "stop_reason": _STOP_REASON[turn.finish],
                    "stop_sequence": turn.stop_sequence,
                },
                "usage": {
                    "input_tokens": usage["input_tokens"],
                    "cache_creation_input_tokens": usage["cache_creation_input_tokens"],
                    "cache_read_input_tokens": usage["cache_read_input_tokens"],
                    "output_tokens": output_tokens,
                    "server_tool_use": None,
                },
            },
        )
    )
    frames.append(_event("message_stop", {"type": "message_stop"}))
    return frames


def count_tokens_endpoint(body: dict, ctx: EndpointContext) -> JsonReply:
    conversation, _ = parse_request(body, need_max_tokens=False)
    return JsonReply({"input_tokens": conversation.input_tokens})

"""OpenAI ``/v1/chat/completions`` and the legacy ``/v1/completions``."""

from __future__ import annotations

import json
from typing import Any

from mock_llm.dialogue import Conversation, ToolSpec, Turn, answer
from mock_llm.models import snapshot_of
from mock_llm.replies import (
    SSE_DONE,
    BadRequest,
    EndpointContext,
    Frame,
    JsonReply,
    Reply,
    StreamReply,
    sse_data,
)
from mock_llm.textgen import pieces

_FINISH = {"stop": "stop", "length": "length", "tool_call": "tool_calls", "stop_sequence": "stop"}
_FINGERPRINT = "fp_mock0llm1"


def content_text(content: Any) -> str:
    """Text of a message content: a string or a list of typed parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    texts = []
    for part in content:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "\n".join(texts)


def _tool_specs(tools: list[dict] | None) -> list[ToolSpec]:
    specs = []
    for tool in tools or []:
        function = tool.get("function") or {}
        if function.get("name"):
            specs.append(
                ToolSpec(
                    function["name"],
                    function.get("description", ""),
                    function.get("parameters") or {},
                )
            )
    return specs


def chat_conversation(body: dict) -> Conversation:
    messages = body.get("messages")
    model = body.get("model")
    if not model:
        raise BadRequest("you must provide a model parameter")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must contain at least one message")
    segments: list[str] = []
    last_user_text = ""
    tool_names_by_call_id: dict[str, str] = {}
    trailing_tool_results: list[tuple[str, str]] = []
    for message in messages:
        role = message.get("role")
        text = content_text(message.get("content"))
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            tool_names_by_call_id[call.get("id", "")] = function.get("name", "tool")
            text += " " + function.get("name", "") + " " + function.get("arguments", "")
        segments.append(text)
        if role == "tool":
            name = tool_names_by_call_id.get(message.get("tool_call_id", ""), "the tool")
            trailing_tool_results.append((name, text))
        else:
            trailing_tool_results = []
        if role == "user":
            last_user_text = text
    tool_choice = body.get("tool_choice", "auto")
    forced = None
    mode = "auto"
    if isinstance(tool_choice, dict):
        forced = (tool_choice.get("function") or {}).get("name")
        mode = "required"
    elif tool_choice in ("none", "required"):
        mode = tool_choice
    max_tokens = body.get("max_completion_tokens") or body.get("max_tokens")
    response_format = body.get("response_format") or {}
    return Conversation(
        model=model,
        segments=segments,
        last_user_text=last_user_text,
        tool_results=trailing_tool_results,
        tools=_tool_specs(body.get("tools")),
        tool_mode=mode,
        forced_tool=forced,
        max_tokens=max_tokens,
        json_schema=(response_format.get("json_schema") or {}).get("schema")
        if response_format.get("type") == "json_schema"
        else None,
        json_mode=response_format.get("type") == "json_object",
        stop_sequences=_stop_list(body.get("stop")),
    )


def _stop_list(stop: str | list[str] | None) -> list[str]:
    if stop is None:
        return []
    return [stop] if isinstance(stop, str) else list(stop)


def _usage(
    prompt_tokens: int, completion_tokens: int, cached_tokens: int, reasoning_tokens: int
) -> dict:
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt_tokens + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached_tokens, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning_tokens,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def _cached_tokens(conversation: Conversation, ctx: EndpointContext) -> int:
    # Whole-message prefixes, the last message excluded, can be served from the cache.
    cached = ctx.cache.automatic(conversation.model, conversation.segments)
    return cached


def _tool_call_json(turn: Turn, call_id: str) -> dict:
    assert turn.tool_call is not None
    return {
        "id": call_id,
        "type": "function",
        "function": {
            "name": turn.tool_call.name,
            "arguments": json.dumps(turn.tool_call.arguments),
        },
    }


def chat_completions(body: dict, ctx: EndpointContext) -> Reply:
    conversation = chat_conversation(body)
    choice_count = int(body.get("n") or 1)
    turns = [answer(conversation, ctx.seed + index) for index in range(choice_count)]
    cached = _cached_tokens(conversation, ctx)
    completion_id = ctx.ids.new("chatcmpl-", 29)
    model = snapshot_of(conversation.model)
    call_ids = [ctx.ids.new("call_") for _ in turns]
    prompt_tokens = conversation.input_tokens
    completion_tokens = sum(turn.output_tokens for turn in turns)
    reasoning_tokens = sum(turn.reasoning_tokens for turn in turns)
    usage = _usage(prompt_tokens, completion_tokens, cached, reasoning_tokens)
    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        frames = _chat_frames(completion_id, model, ctx.now, turns, call_ids, include_usage, usage)
        return StreamReply(frames)
    choices = []
    for index, (turn, call_id) in enumerate(zip(turns, call_ids, strict=True)):
        message: dict[str, Any] = {
            "role": "assistant",
            "content": None if turn.tool_call else turn.text,
            "refusal": None,
            "annotations": [],
        }
        if turn.tool_call:
            message["tool_calls"] = [_tool_call_json(turn, call_id)]
        choices.append(
            {
                "index": index,
                "message": message,
                "logprobs": None,
                "finish_reason": _FINISH[turn.finish],
            }
        )
    result = {
        "id": completion_id,
        "object": "chat.completion",
        "created": ctx.now,
        "model": model,
        "choices": choices,
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": _FINGERPRINT,
    }
    return JsonReply(result, output_tokens=completion_tokens)


def _chat_frames(
    completion_id: str,
    model: str,
    created: int,
    turns: list[Turn],
    call_ids: list[str],
    include_usage: bool,
    usage: dict,
) -> list[Frame]:
    def chunk(choices: list[dict], *, is_token: bool = False, final_usage: Any = None) -> Frame:
        payload: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "service_tier": "default",
            "system_fingerprint": _FINGERPRINT,
            "choices": choices,
        }
        if include_usage:
            payload["usage"] = final_usage
        return sse_data(payload, is_token=is_token)

    def choice(index: int, delta: dict, finish: str | None = None) -> dict:
        return {"index": index, "delta": delta, "logprobs": None, "finish_reason": finish}

    frames: list[Frame] = []
    for index, (turn, call_id) in enumerate(zip(turns, call_ids, strict=True)):
        if turn.tool_call:
            call = _tool_call_json(turn, call_id)
            opening = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "index": 0,
                        "id": call_id,
                        "type": "function",
                        "function": {"name": call["function"]["name"], "arguments": ""},
                    }
                ],
                "refusal": None,
            }
            frames.append(chunk([choice(index, opening)]))
            for piece in _argument_pieces(call["function"]["arguments"]):
                delta = {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}
                frames.append(chunk([choice(index, delta)], is_token=True))
        else:
            frames.append(
                chunk([choice(index, {"role": "assistant", "content": "", "refusal": None})])
            )
            for piece in pieces(turn.words):
                frames.append(chunk([choice(index, {"content": piece})], is_token=True))
        frames.append(chunk([choice(index, {}, _FINISH[turn.finish])]))
    if include_usage:
        frames.append(chunk([], final_usage=usage))
    frames.append(SSE_DONE)
    return frames


def _argument_pieces(arguments: str, size: int = 8) -> list[str]:
    return [arguments[start : start + size] for start in range(0, len(arguments), size)] or [""]


def completions(body: dict, ctx: EndpointContext) -> Reply:
    """The legacy text completions endpoint, for instruct models."""
    model = body.get("model")
    if not model:
        raise BadRequest("you must provide a model parameter")
    prompt = body.get("prompt", "")
    prompt_text = "\n".join(prompt) if isinstance(prompt, list) else str(prompt)
    conversation = Conversation(
        model=model,
        segments=[prompt_text],
        last_user_text=prompt_text,
        max_tokens=body.get("max_tokens", 16),
        stop_sequences=_stop_list(body.get("stop")),
    )
    turn = answer(conversation, ctx.seed)
    completion_id = ctx.ids.new("cmpl-", 29)
    usage = {
        "prompt_tokens": conversation.input_tokens,
        "completion_tokens": turn.output_tokens,
        "total_tokens": conversation.input_tokens + turn.output_tokens,
    }
    finish = _FINISH[turn.finish]

    def payload(text: str, finish_reason: str | None) -> dict:
        return {
            "id": completion_id,
            "object": "text_completion",
            "created": ctx.now,
            "model": snapshot_of(model),
            "system_fingerprint": None,
            "choices": [
                {"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}
            ],
        }

    if body.get("stream"):
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        frames = [sse_data(payload(piece, None), is_token=True) for piece in pieces(turn.words)]
        frames.append(sse_data(payload("", finish)))
        if include_usage:
            frames.append(sse_data({**payload("", None), "choices": [], "usage": usage}))
        frames.append(SSE_DONE)
        return StreamReply(frames)
    return JsonReply(
        {**payload(turn.text, finish), "usage": usage}, output_tokens=turn.output_tokens
    )

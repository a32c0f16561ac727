"""OpenAI ``/v1/responses``: JSON, and SSE with the real event sequence."""

from __future__ import annotations

import json
from typing import Any

from mock_llm.dialogue import Conversation, ToolSpec, Turn, answer
from mock_llm.models import snapshot_of
from mock_llm.openai_chat import content_text
from mock_llm.replies import BadRequest, EndpointContext, Frame, JsonReply, Reply, StreamReply
from mock_llm.replies import sse_event as _event
from mock_llm.textgen import pieces


def responses_conversation(body: dict) -> Conversation:
    model = body.get("model")
    if not model:
        raise BadRequest("Missing required parameter: 'model'.")
    raw_input = body.get("input")
    if raw_input is None:
        raise BadRequest("Missing required parameter: 'input'.")
    segments: list[str] = []
    if isinstance(body.get("instructions"), str):
        segments.append(body["instructions"])
    last_user_text = ""
    trailing_results: list[tuple[str, str]] = []
    names_by_call_id: dict[str, str] = {}
    items = [{"role": "user", "content": raw_input}] if isinstance(raw_input, str) else raw_input
    for item in items:
        kind = item.get("type", "message")
        if kind == "function_call":
            names_by_call_id[item.get("call_id", "")] = item.get("name", "tool")
            segments.append(f"{item.get('name', '')} {item.get('arguments', '')}")
            trailing_results = []
        elif kind == "function_call_output":
            output = item.get("output")
            text = output if isinstance(output, str) else json.dumps(output)
            segments.append(text)
            trailing_results.append(
                (names_by_call_id.get(item.get("call_id", ""), "the tool"), text)
            )
        else:
            text = content_text(item.get("content"))
            segments.append(text)
            trailing_results = []
            if item.get("role") == "user":
                last_user_text = text
    tools = [
        ToolSpec(tool["name"], tool.get("description") or "", tool.get("parameters") or {})
        for tool in body.get("tools") or []
        if tool.get("type") == "function" and tool.get("name")
    ]
    text_format = (body.get("text") or {}).get("format") or {}
    tool_choice = body.get("tool_choice", "auto")
    mode, forced = "auto", None
    if isinstance(tool_choice, dict):
        mode, forced = "required", tool_choice.get("name")
    elif tool_choice in ("none", "required"):
        mode = tool_choice
    return Conversation(
        model=model,
        segments=segments,
        last_user_text=last_user_text,
        tool_results=trailing_results,
        tools=tools,
        tool_mode=mode,
        forced_tool=forced,
        max_tokens=body.get("max_output_tokens"),
        json_schema=text_format.get("schema") if text_format.get("type") == "json_schema" else None,
        json_mode=text_format.get("type") == "json_object",
    )


def _output_item(turn: Turn, item_id: str, call_id: str, *, done: bool) -> dict:
    status = "completed" if done else "in_progress"
    if turn.tool_call:
        return {
            "id": item_id,
            "type": "function_call",
            "status": status,
            "call_id": call_id,
            "name": turn.tool_call.name,
            "arguments": json.dumps(turn.tool_call.arguments) if done else "",
        }
    content = [_text_part(turn.text)] if done else []
    return {
        "id": item_id,
        "type": "message",
        "status": status,
        "role": "assistant",
        "content": content,
    }


def _text_part(text: str) -> dict:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def _response(body: dict, response_id: str, created: int, status: str, output: list, usage: Any):
    incomplete = {"reason": "max_output_tokens"} if status == "incomplete" else None
    return {
        "id": response_id,
        "object": "response",
        "created_at": created,
        "status": status,
        "background": False,
        "error": None,
        "incomplete_details": incomplete,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": snapshot_of(body["model"]),
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "store": body.get("store", True),
        "temperature": body.get("temperature", 1.0),
        "text": body.get("text") or {"format": {"type": "text"}},
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation", "disabled"),
        "usage": usage,
        "user": body.get("user"),
        "metadata": body.get("metadata") or {},
    }


def responses(body: dict, ctx: EndpointContext) -> Reply:
    conversation = responses_conversation(body)
    turn = answer(conversation, ctx.seed)
    cached = ctx.cache.automatic(conversation.model, conversation.segments)
    usage = {
        "input_tokens": conversation.input_tokens,
        "input_tokens_details": {"cached_tokens": cached},
        "output_tokens": turn.output_tokens,
        "output_tokens_details": {"reasoning_tokens": turn.reasoning_tokens},
        "total_tokens": conversation.input_tokens + turn.output_tokens,
    }
    response_id = ctx.ids.new("resp_", 48)
    item_id = ctx.ids.new("fc_" if turn.tool_call else "msg_", 48)
    call_id = ctx.ids.new("call_")
    status = "incomplete" if turn.finish == "length" else "completed"
    final_item = _output_item(turn, item_id, call_id, done=True)
    if status == "incomplete" and final_item["type"] == "message":
        final_item["status"] = "incomplete"
    output = [final_item]
    if turn.reasoning_tokens:
        # Reasoning models put a reasoning item (summary off by default) before the answer.
        output.insert(0, {"id": ctx.ids.new("rs_", 48), "type": "reasoning", "summary": []})
    final = _response(body, response_id, ctx.now, status, output, usage)
    if not body.get("stream"):
        return JsonReply(final, output_tokens=turn.output_tokens)
    in_progress = _response(body, response_id, ctx.now, "in_progress", [], None)
    return StreamReply(_stream_frames(turn, in_progress, final, item_id, call_id))


def _stream_frames(turn: Turn, in_progress: dict, final: dict, item_id: str, call_id: str):
    frames: list[Frame] = []

    def emit(kind: str, *, is_token: bool = False, **fields: Any) -> None:
        payload = {"type": kind, "sequence_number": len(frames), **fields}
        frames.append(_event(kind, payload, is_token=is_token))

    emit("response.created", response=in_progress)
    emit("response.in_progress", response=in_progress)
    *reasoning_items, final_item = final["output"]
    for index, item in enumerate(reasoning_items):
        emit("response.output_item.added", output_index=index, item=item)
        emit("response.output_item.done", output_index=index, item=item)
    answer_index = len(reasoning_items)
    position = {"item_id": item_id, "output_index": answer_index}
    emit(
        "response.output_item.added",
        output_index=answer_index,
        item=_output_item(turn, item_id, call_id, done=False),
    )
    if turn.tool_call:
        arguments = final_item["arguments"]
        for start in range(0, len(arguments), 8):
            emit(
                "response.function_call_arguments.delta",
                is_token=True,
                delta=arguments[start : start + 8],
                **position,
            )
        emit(
            "response.function_call_arguments.done",
            arguments=arguments,
            name=turn.tool_call.name,
            **position,
        )
    else:
        emit("response.content_part.added", content_index=0, part=_text_part(""), **position)
        for piece in pieces(turn.words):
            emit(
                "response.output_text.delta",
                is_token=True,
                content_index=0,
                delta=piece,
                logprobs=[],
                **position,
            )
        emit("response.output_text.done", content_index=0, text=turn.text, logprobs=[], **position)
        emit("response.content_part.done", content_index=0, part=_text_part(turn.text), **position)
    emit("response.output_item.done", output_index=answer_index, item=final_item)
    terminal = "response.incomplete" if final["status"] == "incomplete" else "response.completed"
    emit(terminal, response=final)
    return frames

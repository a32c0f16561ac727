"""The leak scan's reading of every exported signal, and minimal OpenAI and
Anthropic HTTP APIs behind the SDKs' own transports, answering with payloads
shaped like the real ones and carrying a marker in every place content can
travel (text, tool-call arguments, reasoning).

The newest SDKs send HTTP with ``httpx2``, older ones with ``httpx``; the
mock client is built for whichever the installed SDK uses.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from llmlens_semconv.testing import Telemetry, iter_all_text


def exported_text(telemetry: Telemetry) -> str:
    """Every string an export would carry: spans, span events, logs, metrics."""
    parts = list(iter_all_text(telemetry))
    for record in telemetry.logs():
        parts.append(json.dumps(dict(record.attributes or {}), default=str))
    data = telemetry.metric_reader.get_metrics_data()
    for rm in data.resource_metrics if data else []:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                parts.append(metric.name)
                parts.extend(str(dict(p.attributes or {})) for p in metric.data.data_points)
    return "\n".join(parts)


def http_module_of(sdk_client_module: str) -> Any:
    """``httpx2`` when the SDK's base client is built on it, else ``httpx``."""
    import importlib

    base = importlib.import_module(sdk_client_module)
    if getattr(base, "httpx2", None) is not None:
        import httpx2

        return httpx2
    import httpx

    return httpx


def _sse(events: list[tuple[str | None, dict[str, Any]]]) -> bytes:
    out = []
    for name, data in events:
        if name:
            out.append(f"event: {name}\n")
        out.append(f"data: {json.dumps(data)}\n\n")
    return "".join(out).encode()


# --- OpenAI -----------------------------------------------------------------------


def openai_handler(marker: str, seen: list[Any]) -> Callable[[Any], Any]:
    http = http_module_of("openai._base_client")

    def handle(request: Any) -> Any:
        seen.append(request)
        body = json.loads(request.content or b"{}")
        path = request.url.path
        headers = {"x-request-id": "req_privacy"}
        if path.endswith("/embeddings"):
            return http.Response(200, headers=headers, json={
                "object": "list", "model": "text-embedding-3-small",
                "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2, 0.3]}],
                "usage": {"prompt_tokens": 5, "total_tokens": 5}})
        if path.endswith("/responses"):
            return http.Response(200, headers=headers, json=_responses_body(marker))
        if body.get("stream"):
            headers["content-type"] = "text/event-stream"
            return http.Response(200, headers=headers, content=_chat_chunks(marker))
        return http.Response(200, headers=headers, json=_chat_completion(marker))

    return handle


def _chat_completion(marker: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-privacy", "object": "chat.completion", "created": 1700000000,
        "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_1",
        "choices": [{
            "index": 0, "finish_reason": "tool_calls", "logprobs": None,
            "message": {
                "role": "assistant", "content": f"answer {marker}", "refusal": None,
                "tool_calls": [{"id": "call_1", "type": "function", "function": {
                    "name": "lookup", "arguments": json.dumps({"q": f"args {marker}"})}}],
            },
        }],
        "usage": {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28},
    }


def _chat_chunks(marker: str) -> bytes:
    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"id": "chatcmpl-privacy", "object": "chat.completion.chunk",
                "created": 1700000000, "model": "gpt-4o-mini-2024-07-18",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish,
                             "logprobs": None}]}

    half = len(marker) // 2
    events: list[tuple[str | None, dict[str, Any]]] = [
        (None, chunk({"role": "assistant", "content": ""})),
        (None, chunk({"content": f"streamed {marker[:half]}"})),
        (None, chunk({"content": marker[half:]})),
        (None, chunk({"tool_calls": [{"index": 0, "id": "call_2", "type": "function",
                                      "function": {"name": "lookup", "arguments": ""}}]})),
        (None, chunk({"tool_calls": [{"index": 0, "function": {
            "arguments": json.dumps({"q": f"stream args {marker}"})}}]})),
        (None, chunk({}, "tool_calls")),
        (None, {"id": "chatcmpl-privacy", "object": "chat.completion.chunk",
                "created": 1700000000, "model": "gpt-4o-mini-2024-07-18", "choices": [],
                "usage": {"prompt_tokens": 20, "completion_tokens": 8, "total_tokens": 28}}),
    ]
    return _sse(events) + b"data: [DONE]\n\n"


def _responses_body(marker: str) -> dict[str, Any]:
    return {
        "id": "resp_privacy", "object": "response", "created_at": 1700000000,
        "status": "completed", "model": "gpt-4o-mini-2024-07-18",
        "output": [{
            "type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
            "content": [{"type": "output_text", "text": f"response {marker}",
                         "annotations": []}],
        }],
        "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
        "usage": {"input_tokens": 12, "output_tokens": 6, "total_tokens": 18,
                  "input_tokens_details": {"cached_tokens": 0},
                  "output_tokens_details": {"reasoning_tokens": 0}},
    }


# --- Anthropic --------------------------------------------------------------------


def anthropic_handler(marker: str, seen: list[Any]) -> Callable[[Any], Any]:
    http = http_module_of("anthropic._base_client")

    def handle(request: Any) -> Any:
        seen.append(request)
        body = json.loads(request.content or b"{}")
        headers = {"request-id": "req_privacy"}
        if request.url.path.endswith("/count_tokens"):
            return http.Response(200, headers=headers, json={"input_tokens": 42})
        if body.get("stream"):
            headers["content-type"] = "text/event-stream"
            return http.Response(200, headers=headers, content=_message_events(marker))
        return http.Response(200, headers=headers, json=_message(marker))

    return handle


def _message(marker: str) -> dict[str, Any]:
    return {
        "id": "msg_privacy", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [
            {"type": "thinking", "thinking": f"thought {marker}", "signature": "sig"},
            {"type": "text", "text": f"answer {marker}"},
            {"type": "tool_use", "id": "toolu_1", "name": "lookup",
             "input": {"q": f"args {marker}"}},
        ],
        "stop_reason": "tool_use", "stop_sequence": None,
        "usage": {"input_tokens": 20, "output_tokens": 8, "cache_read_input_tokens": 0,
                  "cache_creation_input_tokens": 0},
    }


def _message_events(marker: str) -> bytes:
    half = len(marker) // 2
    start = {**_message(marker), "content": [], "stop_reason": None,
             "usage": {"input_tokens": 20, "output_tokens": 1}}
    events: list[tuple[str | None, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta",
                                           "text": f"streamed {marker[:half]}"}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": marker[half:]}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("content_block_start", {"type": "content_block_start", "index": 1,
                                 "content_block": {"type": "tool_use", "id": "toolu_2",
                                                   "name": "lookup", "input": {}}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 1,
                                 "delta": {"type": "input_json_delta",
                                           "partial_json": json.dumps(
                                               {"q": f"stream args {marker}"})}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 1}),
        ("message_delta", {"type": "message_delta",
                           "delta": {"stop_reason": "tool_use", "stop_sequence": None},
                           "usage": {"output_tokens": 8}}),
        ("message_stop", {"type": "message_stop"}),
    ]
    return _sse(events)

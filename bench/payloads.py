"""Canned API responses for the benchmark, shaped like the real APIs."""

from __future__ import annotations

import json
from typing import Any

STREAM_CHUNKS = 50


def _sse(data: dict[str, Any], event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n"


def openai_chat() -> bytes:
    return json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_700_000_000,
        "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_bench",
        "service_tier": "default",
        "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                     "message": {"role": "assistant", "content": "Hello there, how can I help?",
                                 "refusal": None}}],
        "usage": {"prompt_tokens": 25, "completion_tokens": 8, "total_tokens": 33,
                  "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                  "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}},
    }).encode()


def openai_chat_stream(chunks: int = STREAM_CHUNKS) -> bytes:
    base = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1_700_000_000,
            "model": "gpt-4o-mini-2024-07-18", "system_fingerprint": "fp_bench"}
    out = [_sse({**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""},
                                      "finish_reason": None}]})]
    for i in range(chunks):
        out.append(_sse({**base, "choices": [{"index": 0, "delta": {"content": f"tok{i} "},
                                              "finish_reason": None}]}))
    out.append(_sse({**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    out.append(_sse({**base, "choices": [], "usage": {
        "prompt_tokens": 25, "completion_tokens": chunks, "total_tokens": 25 + chunks}}))
    out.append("data: [DONE]\n\n")
    return "".join(out).encode()


def anthropic_message() -> bytes:
    return json.dumps({
        "id": "msg_bench", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": "Hello there, how can I help?"}],
        "stop_reason": "end_turn", "stop_sequence": None,
        "usage": {"input_tokens": 25, "output_tokens": 8, "cache_read_input_tokens": 0,
                  "cache_creation_input_tokens": 0},
    }).encode()


def anthropic_stream(deltas: int = STREAM_CHUNKS) -> bytes:
    out = [_sse({"type": "message_start", "message": {
        "id": "msg_bench", "type": "message", "role": "assistant",
        "model": "claude-sonnet-4-5-20250929", "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": {"input_tokens": 25, "output_tokens": 1}}},
        "message_start")]
    out.append(_sse({"type": "content_block_start", "index": 0,
                     "content_block": {"type": "text", "text": ""}}, "content_block_start"))
    for i in range(deltas):
        out.append(_sse({"type": "content_block_delta", "index": 0,
                         "delta": {"type": "text_delta", "text": f"tok{i} "}},
                        "content_block_delta"))
    out.append(_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
    out.append(_sse({"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                        "stop_sequence": None},
                     "usage": {"output_tokens": deltas}}, "message_delta"))
    out.append(_sse({"type": "message_stop"}, "message_stop"))
    return "".join(out).encode()

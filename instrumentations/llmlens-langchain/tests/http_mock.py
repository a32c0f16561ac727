"""Provider HTTP APIs mocked at the SDK's own transport, with payloads shaped
like the real ones (JSON and SSE). The newest SDKs send HTTP with ``httpx2``,
older ones with ``httpx``: the client is built for the one installed."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from typing import Any


def http_module(sdk: str) -> Any:
    base = importlib.import_module(f"{sdk}._base_client")
    if getattr(base, "httpx2", None) is not None:
        return importlib.import_module("httpx2")
    return importlib.import_module("httpx")


class MockAPI:
    """Answers each request with a JSON body or an SSE stream, per the request's
    ``stream`` flag, and records the request bodies."""

    def __init__(self, sdk: str, json_body: dict[str, Any], sse_events: list[str]) -> None:
        self.http = http_module(sdk)
        self.json_body = json_body
        self.sse_events = sse_events
        self.requests: list[dict[str, Any]] = []

    def _handle(self, request: Any) -> Any:
        body = json.loads(request.content) if request.content else {}
        self.requests.append(body)
        if body.get("stream"):
            return self.http.Response(
                200, headers={"content-type": "text/event-stream"},
                content="".join(self.sse_events).encode(), request=request)
        return self.http.Response(200, json=self.json_body, request=request)

    def client(self) -> Any:
        return self.http.Client(transport=self.http.MockTransport(self._handle))

    def async_client(self) -> Any:
        return self.http.AsyncClient(transport=self.http.MockTransport(self._handle))


def _sse(data: dict[str, Any], event: str | None = None) -> str:
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {json.dumps(data)}\n\n"


# --- OpenAI chat completions ---------------------------------------------------------

OPENAI_MODEL = "gpt-4o-mini-2024-07-18"
OPENAI_USAGE = {"prompt_tokens": 23, "completion_tokens": 9, "total_tokens": 32,
                "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0},
                "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                              "accepted_prediction_tokens": 0,
                                              "rejected_prediction_tokens": 0}}


def openai_api() -> MockAPI:
    completion = {
        "id": "chatcmpl-A1", "object": "chat.completion", "created": 1_700_000_000,
        "model": OPENAI_MODEL, "system_fingerprint": "fp_0",
        "choices": [{"index": 0, "logprobs": None, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": "Hello there",
                                 "refusal": None}}],
        "usage": OPENAI_USAGE,
    }

    def chunk(delta: dict[str, Any] | None, finish: str | None = None,
              usage: dict[str, Any] | None = None) -> str:
        choices = [] if delta is None else [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]
        return _sse({"id": "chatcmpl-A2", "object": "chat.completion.chunk",
                     "created": 1_700_000_000, "model": OPENAI_MODEL,
                     "system_fingerprint": "fp_0", "choices": choices, "usage": usage})

    events = [
        chunk({"role": "assistant", "content": "", "refusal": None}),
        chunk({"content": "Hello"}),
        chunk({"content": " there"}),
        chunk({}, finish="stop"),
        chunk(None, usage=OPENAI_USAGE),  # stream_options.include_usage
        "data: [DONE]\n\n",
    ]
    return MockAPI("openai", completion, events)


# --- Anthropic messages ------------------------------------------------------------

ANTHROPIC_MODEL = "claude-haiku-4-5-20251001"
# billed input = input + cache read + cache write = 31
ANTHROPIC_USAGE = {"input_tokens": 19, "output_tokens": 12, "cache_read_input_tokens": 8,
                   "cache_creation_input_tokens": 4}
ANTHROPIC_INPUT_TOTAL = 19 + 8 + 4


def anthropic_api() -> MockAPI:
    message = {
        "id": "msg_01A", "type": "message", "role": "assistant", "model": ANTHROPIC_MODEL,
        "content": [{"type": "text", "text": "Hello there"}],
        "stop_reason": "end_turn", "stop_sequence": None, "usage": ANTHROPIC_USAGE,
    }
    start_usage = {**ANTHROPIC_USAGE, "output_tokens": 1}
    events = [
        _sse({"type": "message_start", "message": {
            **message, "id": "msg_01B", "content": [], "stop_reason": None,
            "usage": start_usage}}, "message_start"),
        _sse({"type": "content_block_start", "index": 0,
              "content_block": {"type": "text", "text": ""}}, "content_block_start"),
        _sse({"type": "ping"}, "ping"),
        _sse({"type": "content_block_delta", "index": 0,
              "delta": {"type": "text_delta", "text": "Hello"}}, "content_block_delta"),
        _sse({"type": "content_block_delta", "index": 0,
              "delta": {"type": "text_delta", "text": " there"}}, "content_block_delta"),
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse({"type": "message_delta", "delta": {"stop_reason": "end_turn",
                                                 "stop_sequence": None},
              # the API's message_delta carries the cumulative usage
              "usage": ANTHROPIC_USAGE}, "message_delta"),
        _sse({"type": "message_stop"}, "message_stop"),
    ]
    return MockAPI("anthropic", message, events)


ClientFactory = Callable[[], Any]


# --- OpenAI Responses API ------------------------------------------------------------

OPENAI_RESPONSES_USAGE = {"input_tokens": 23, "input_tokens_details": {"cached_tokens": 4},
                          "output_tokens": 9, "output_tokens_details": {"reasoning_tokens": 0},
                          "total_tokens": 32}


def openai_responses_api() -> MockAPI:
    text = {"type": "output_text", "text": "Hello there", "annotations": []}
    item = {"type": "message", "id": "msg_1", "status": "completed", "role": "assistant",
            "content": [text]}
    response = {
        "id": "resp_1", "object": "response", "created_at": 1_700_000_000,
        "status": "completed", "model": OPENAI_MODEL, "output": [item],
        "usage": OPENAI_RESPONSES_USAGE, "error": None, "incomplete_details": None,
        "instructions": None, "metadata": {}, "parallel_tool_calls": True,
        "temperature": 0.2, "top_p": 1.0, "tool_choice": "auto", "tools": [],
        "text": {"format": {"type": "text"}}, "truncation": "disabled",
    }
    in_progress = {**response, "status": "in_progress", "output": [], "usage": None}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "response": in_progress},
        {"type": "response.in_progress", "response": in_progress},
        {"type": "response.output_item.added", "output_index": 0,
         "item": {**item, "status": "in_progress", "content": []}},
        {"type": "response.content_part.added", "item_id": "msg_1", "output_index": 0,
         "content_index": 0, "part": {**text, "text": ""}},
        {"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
         "content_index": 0, "delta": "Hello"},
        {"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
         "content_index": 0, "delta": " there"},
        {"type": "response.output_text.done", "item_id": "msg_1", "output_index": 0,
         "content_index": 0, "text": "Hello there"},
        {"type": "response.content_part.done", "item_id": "msg_1", "output_index": 0,
         "content_index": 0, "part": text},
        {"type": "response.output_item.done", "output_index": 0, "item": item},
        {"type": "response.completed", "response": response},
    ]
    sse = [_sse({**event, "sequence_number": i}, event["type"])
           for i, event in enumerate(events)]
    return MockAPI("openai", response, sse)

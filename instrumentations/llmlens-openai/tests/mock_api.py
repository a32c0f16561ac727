"""A scripted OpenAI HTTP API behind the SDK's own transport.

The newest SDKs send HTTP with ``httpx2``, older ones with ``httpx``; the
helper builds the mock client for whichever the installed SDK uses, so one
test suite covers both. Payloads follow the real API's JSON and SSE shapes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import openai
import openai._base_client as _base_client

if getattr(_base_client, "httpx2", None) is not None:
    import httpx2 as http  # type: ignore[import-not-found]
else:
    import httpx as http  # type: ignore[no-redef]

HTTP = http
SDK_MAJOR = int(openai.__version__.split(".")[0])
SDK_VERSION = tuple(int(p) for p in openai.__version__.split(".")[:2])


@dataclass
class Reply:
    status: int = 200
    json_body: Any = None
    sse: list[str] | None = None
    # raise a transport error after this many SSE events
    break_after: int | None = None
    # (async only) stop sending after this many SSE events, keeping the
    # connection open: lets a test cancel the task that waits
    hang_after: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # raise this exception instead of answering (connection errors, timeouts)
    raise_exc: BaseException | None = None


class MockAPI:
    """Answers every request with the next scripted reply (the last one repeats)."""

    def __init__(self, *, is_async: bool) -> None:
        self.is_async = is_async
        self.replies: list[Reply] = []
        self.requests: list[dict[str, Any]] = []

    # --- scripting ---------------------------------------------------------

    def json(self, body: Any, status: int = 200, **headers: str) -> MockAPI:
        self.replies.append(Reply(status=status, json_body=body, headers=headers))
        return self

    def sse(self, events: list[str], break_after: int | None = None,
            hang_after: int | None = None) -> MockAPI:
        self.replies.append(Reply(sse=events, break_after=break_after, hang_after=hang_after))
        return self

    def error(self, exc: BaseException) -> MockAPI:
        self.replies.append(Reply(raise_exc=exc))
        return self

    # --- transport ---------------------------------------------------------

    def handle(self, request: Any) -> Any:
        body = request.content
        self.requests.append({
            "path": request.url.path,
            "host": request.url.host,
            "json": json.loads(body) if body else None,
        })
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if reply.raise_exc is not None:
            raise reply.raise_exc
        headers = {"x-request-id": "req_test", **reply.headers}
        if reply.sse is None:
            return http.Response(reply.status, json=reply.json_body, headers=headers,
                                 request=request)
        headers["content-type"] = "text/event-stream"
        return http.Response(reply.status, headers=headers, request=request,
                             content=self._body(reply))

    def _body(self, reply: Reply) -> Any:
        events = [e.encode() for e in reply.sse or ()]
        if reply.hang_after is not None:
            return self._hanging_body(events[: reply.hang_after])
        if reply.break_after is None:
            return b"".join(events)
        cut = reply.break_after

        def sync_body() -> Iterator[bytes]:
            yield from events[:cut]
            raise http.ReadError("connection reset by peer")

        async def async_body() -> AsyncIterator[bytes]:
            for event in events[:cut]:
                yield event
            raise http.ReadError("connection reset by peer")

        return async_body() if self.is_async else sync_body()

    @staticmethod
    async def _hanging_body(events: list[bytes]) -> AsyncIterator[bytes]:
        for event in events:
            yield event
        await asyncio.Event().wait()
        yield b""  # pragma: no cover - never reached

    def client(self, *, azure: bool = False, base_url: str | None = None, **options: Any) -> Any:
        transport = http.MockTransport(self.handle)
        http_client = (http.AsyncClient if self.is_async else http.Client)(transport=transport)
        options.setdefault("max_retries", 0)
        if azure:
            cls = openai.AsyncAzureOpenAI if self.is_async else openai.AzureOpenAI
            return cls(api_key="sk-test", api_version="2024-10-21",
                       azure_endpoint=base_url or "https://myres.openai.azure.com",
                       http_client=http_client, **options)
        cls = openai.AsyncOpenAI if self.is_async else openai.OpenAI
        return cls(api_key="sk-test", base_url=base_url or "https://api.openai.com/v1",
                   http_client=http_client, **options)


# --- payloads shaped like the real API --------------------------------------------


def chat_completion(
    content: str | None = "Hello there!", *, finish_reason: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None, refusal: str | None = None,
    model: str = "gpt-4o-mini-2024-07-18", cached: int = 0, reasoning: int = 0,
    prompt_tokens: int = 19, completion_tokens: int = 10, n: int = 1,
    service_tier: str | None = "default",
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content, "refusal": refusal,
                               "annotations": []}
    if tool_calls:
        message["tool_calls"] = tool_calls
    body: dict[str, Any] = {
        "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
        "object": "chat.completion",
        "created": 1741569952,
        "model": model,
        "choices": [
            {"index": i, "message": message, "logprobs": None, "finish_reason": finish_reason}
            for i in range(n)
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": reasoning, "audio_tokens": 0,
                "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0,
            },
        },
        "system_fingerprint": "fp_06737a9306",
    }
    if service_tier:
        body["service_tier"] = service_tier
    return body


def tool_call(name: str = "get_weather", arguments: str = '{"city":"Paris"}',
              call_id: str = "call_abc123") -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def _data(obj: Any) -> str:
    return f"data: {json.dumps(obj)}\n\n"


def chat_chunks(
    pieces: tuple[str, ...] = ("Hel", "lo", "!"), *, finish_reason: str = "stop",
    usage: bool = False, done: bool = True, tool_call_args: tuple[str, ...] = (),
    model: str = "gpt-4o-mini-2024-07-18",
) -> list[str]:
    """SSE events of a streamed chat completion (usage chunk when asked)."""
    base = {"id": "chatcmpl-stream1", "object": "chat.completion.chunk", "created": 1741569952,
            "model": model, "system_fingerprint": "fp_06737a9306", "service_tier": "default"}
    extra = {"usage": None} if usage else {}

    def chunk(delta: dict[str, Any], reason: str | None = None) -> str:
        return _data({**base, **extra, "choices": [
            {"index": 0, "delta": delta, "logprobs": None, "finish_reason": reason}]})

    events = [chunk({"role": "assistant", "content": "", "refusal": None})]
    events += [chunk({"content": p}) for p in pieces]
    if tool_call_args:
        events.append(chunk({"tool_calls": [{"index": 0, "id": "call_abc123", "type": "function",
                                             "function": {"name": "get_weather",
                                                          "arguments": ""}}]}))
        events += [chunk({"tool_calls": [{"index": 0, "function": {"arguments": a}}]})
                   for a in tool_call_args]
    events.append(chunk({}, finish_reason))
    if usage:
        events.append(_data({**base, "choices": [], "usage": {
            "prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15,
            "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0}}}))
    if done:
        events.append("data: [DONE]\n\n")
    return events


def sse_error(message: str = "The server had an error while processing your request.") -> str:
    return _data({"error": {"message": message, "type": "server_error", "param": None,
                            "code": None}})


def error_body(message: str = "Rate limit reached", kind: str = "rate_limit_exceeded",
               code: str | None = "rate_limit_exceeded") -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def responses_body(
    text: str = "Hi from responses", *, status: str = "completed",
    model: str = "gpt-4.1-2025-04-14", function_call: bool = False,
    incomplete_reason: str | None = None, reasoning_tokens: int = 5,
    reasoning_item: bool = True,
) -> dict[str, Any]:
    output: list[dict[str, Any]] = []
    if reasoning_tokens and reasoning_item:
        output.append({"id": "rs_1", "type": "reasoning", "summary": [
            {"type": "summary_text", "text": "Thinking briefly."}]})
    output.append({
        "id": "msg_67ccd3acc8d48190a77525dc6de64b4104becb25c7b9c1a6", "type": "message",
        "status": "completed", "role": "assistant",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    })
    if function_call:
        output.append({"id": "fc_1", "type": "function_call", "status": "completed",
                       "call_id": "call_xyz", "name": "get_weather",
                       "arguments": '{"city":"Oslo"}'})
    return {
        "id": "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c7b9c1a6",
        "object": "response", "created_at": 1741476777, "status": status,
        "error": None,
        "incomplete_details": {"reason": incomplete_reason} if incomplete_reason else None,
        "instructions": None, "max_output_tokens": None, "model": model,
        "output": output, "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": None, "summary": None}, "store": True, "temperature": 1.0,
        "text": {"format": {"type": "text"}}, "tool_choice": "auto", "tools": [],
        "top_p": 1.0, "truncation": "disabled", "service_tier": "default",
        "usage": {
            "input_tokens": 36, "input_tokens_details": {"cached_tokens": 8},
            "output_tokens": 87, "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": 123,
        },
        "user": None, "metadata": {},
    }


def responses_events(text: str = "Hi there", *, done: bool = True,
                     failed: bool = False) -> list[str]:
    # no reasoning output item: stream event models of older SDKs predate it
    final = responses_body(text, reasoning_item=False)
    created = {**final, "status": "in_progress", "output": [], "usage": None}
    seq = iter(range(100))

    def event(kind: str, **payload: Any) -> str:
        body = {"type": kind, "sequence_number": next(seq), **payload}
        return f"event: {kind}\ndata: {json.dumps(body)}\n\n"

    item = final["output"][-1]
    events = [
        event("response.created", response=created),
        event("response.in_progress", response=created),
        event("response.output_item.added", output_index=0,
              item={**item, "status": "in_progress", "content": []}),
        event("response.content_part.added", item_id=item["id"], output_index=0,
              content_index=0, part={"type": "output_text", "text": "", "annotations": []}),
    ]
    for piece in (text[: len(text) // 2], text[len(text) // 2:]):
        events.append(event("response.output_text.delta", item_id=item["id"], output_index=0,
                            content_index=0, delta=piece, logprobs=[]))
    events.append(event("response.output_text.done", item_id=item["id"], output_index=0,
                        content_index=0, text=text, logprobs=[]))
    events.append(event("response.content_part.done", item_id=item["id"], output_index=0,
                        content_index=0, part=item["content"][0]))
    events.append(event("response.output_item.done", output_index=0, item=item))
    if failed:
        events.append(event("response.failed", response={
            **final, "status": "failed", "usage": None,
            "error": {"code": "server_error", "message": "The model failed to respond."}}))
    elif done:
        events.append(event("response.completed", response=final))
    return events


def embeddings_body(dims: int = 8, n: int = 2) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": [0.01 * j for j in range(dims)]}
                 for i in range(n)],
        "model": "text-embedding-3-small",
        "usage": {"prompt_tokens": 8, "total_tokens": 8},
    }


def completion_body(text: str = " a test.", finish_reason: str = "length") -> dict[str, Any]:
    return {
        "id": "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7", "object": "text_completion", "created": 1589478378,
        "model": "gpt-3.5-turbo-instruct",
        "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12},
    }


def completion_chunks(pieces: tuple[str, ...] = (" a", " test."), *,
                      usage: bool = False) -> list[str]:
    base = {"id": "cmpl-stream", "object": "text_completion", "created": 1589478378,
            "model": "gpt-3.5-turbo-instruct"}
    events = [_data({**base, "choices": [{"text": p, "index": 0, "logprobs": None,
                                           "finish_reason": None}]}) for p in pieces]
    events.append(_data({**base, "choices": [{"text": "", "index": 0, "logprobs": None,
                                               "finish_reason": "stop"}]}))
    if usage:
        events.append(_data({**base, "choices": [], "usage": {
            "prompt_tokens": 5, "completion_tokens": 2, "total_tokens": 7}}))
    events.append("data: [DONE]\n\n")
    return events

"""A scripted OpenAI HTTP API behind httpx's MockTransport.

llama-index-llms-openai pins ``openai < 3``, whose SDK sends HTTP with
``httpx``; the integrations accept ``http_client=`` / ``async_http_client=``
and hand them to the SDK. Payloads follow the real API's JSON and SSE shapes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx


def chat_completion(
    text: str, *, prompt_tokens: int, completion_tokens: int, model: str = "gpt-4o-mini-2024-07-18",
    completion_id: str = "chatcmpl-1", finish_reason: str = "stop",
    tool_calls: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": text, "refusal": None}
    if tool_calls:
        message["content"] = None
        message["tool_calls"] = tool_calls
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": 1_760_000_000,
        "model": model,
        "system_fingerprint": "fp_test",
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                          "accepted_prediction_tokens": 0,
                                          "rejected_prediction_tokens": 0},
        },
    }


def tool_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {"id": call_id, "type": "function",
            "function": {"name": name, "arguments": json.dumps(arguments)}}


def chat_stream(
    pieces: list[str], *, prompt_tokens: int | None = None, completion_tokens: int = 0,
    model: str = "gpt-4o-mini-2024-07-18", completion_id: str = "chatcmpl-s1",
) -> list[str]:
    """SSE ``data:`` payloads of a streamed chat completion; a last chunk
    with empty choices carries usage when ``prompt_tokens`` is given (as the
    API sends it for ``stream_options={"include_usage": true}``)."""

    def chunk(delta: dict[str, Any], finish: str | None, usage: Any = None,
              choices: bool = True) -> str:
        body: dict[str, Any] = {
            "id": completion_id, "object": "chat.completion.chunk", "created": 1_760_000_000,
            "model": model, "system_fingerprint": "fp_test",
            "choices": [{"index": 0, "delta": delta, "logprobs": None,
                         "finish_reason": finish}] if choices else [],
        }
        if usage is not None or prompt_tokens is not None:
            body["usage"] = usage
        return json.dumps(body)

    events = [chunk({"role": "assistant", "content": ""}, None)]
    events += [chunk({"content": piece}, None) for piece in pieces]
    events.append(chunk({}, "stop"))
    if prompt_tokens is not None:
        events.append(chunk({}, None, usage={
            "prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens}, choices=False))
    return events


def embeddings_for(dimension: int, tokens_per_input: int):
    """A reply builder: one vector per input, usage of ``tokens_per_input`` each."""

    def build(request: dict[str, Any]) -> dict[str, Any]:
        inputs = request["input"]
        inputs = inputs if isinstance(inputs, list) else [inputs]
        return embeddings([[0.5] * dimension for _ in inputs],
                          prompt_tokens=tokens_per_input * len(inputs))

    return build


def embeddings(vectors: list[list[float]], *, prompt_tokens: int,
               model: str = "text-embedding-3-small") -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"object": "embedding", "index": i, "embedding": v}
                 for i, v in enumerate(vectors)],
        "model": model,
        "usage": {"prompt_tokens": prompt_tokens, "total_tokens": prompt_tokens},
    }


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    sse: list[str] | None = None


@dataclass
class OpenAIMock:
    """Answers each request to a path with that path's next reply (the last repeats)."""

    replies: dict[str, list[Reply]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def reply(self, path: str, body: Any = None, *, status: int = 200,
              sse: list[str] | None = None) -> OpenAIMock:
        self.replies.setdefault(path, []).append(Reply(status, body, sse))
        return self

    def _handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        self.requests.append({"path": path, "json": json.loads(request.content or b"null")})
        sent = sum(1 for r in self.requests if r["path"] == path)
        queue = self.replies[path.removeprefix("/v1")]
        reply = queue[min(sent, len(queue)) - 1]
        headers = {"x-request-id": "req_test"}
        if reply.sse is None:
            body = reply.body(self.requests[-1]["json"]) if callable(reply.body) else reply.body
            return httpx.Response(reply.status, json=body, headers=headers)
        headers["content-type"] = "text/event-stream"
        body = "".join(f"data: {event}\n\n" for event in reply.sse) + "data: [DONE]\n\n"
        return httpx.Response(reply.status, content=body.encode(), headers=headers)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=httpx.MockTransport(self._handle))

    def async_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.MockTransport(self._handle))

    def bodies(self, path: str) -> list[Any]:
        return [r["json"] for r in self.requests if r["path"].endswith(path)]

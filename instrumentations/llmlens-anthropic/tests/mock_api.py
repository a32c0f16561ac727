"""The Anthropic HTTP API, mocked at the transport of the installed SDK.

Anthropic 2.x sends HTTP with ``httpx2``, older releases with ``httpx``:
``http_module()`` picks the one the SDK uses, so one suite runs on both.
Payloads are shaped like the real API's (JSON bodies, server-sent events).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
from collections import deque
from collections.abc import Iterable
from typing import Any

import anthropic

MODEL = "claude-sonnet-4-6"
MESSAGE_ID = "msg_01XFDUDYJgAACzvnptvVoYEL"
REQUEST_ID = "req_011CSHoEeqs5C35K2UUqR7Fy"


def http_module() -> Any:
    """``httpx2`` or ``httpx``: whichever the installed SDK's client is built on."""
    for cls in anthropic.DefaultHttpxClient.__mro__:
        if cls.__module__.split(".")[0] == "httpx2":
            import httpx2

            return httpx2
    import httpx

    return httpx


HTTP = http_module()
HAS_NATIVE_TRACING = importlib.util.find_spec("anthropic._tracing") is not None
SDK_MAJOR = int(anthropic.__version__.split(".")[0])


# --- payloads ------------------------------------------------------------------

def usage(input_tokens: int = 12, output_tokens: int = 6, cache_read: int = 0,
          cache_write: int = 0) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def message(content: list[dict[str, Any]] | None = None, *, stop_reason: str = "end_turn",
            usage_: dict[str, Any] | None = None, model: str = MODEL) -> dict[str, Any]:
    return {
        "id": MESSAGE_ID,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content if content is not None else [{"type": "text", "text": "Hello there!"}],
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": usage_ or usage(),
    }


def error_body(error_type: str = "overloaded_error", msg: str = "Overloaded") -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": msg},
            "request_id": REQUEST_ID}


Event = tuple[str, dict[str, Any]]


def message_start(input_tokens: int = 25, cache_read: int = 0, cache_write: int = 0) -> Event:
    start = message([], usage_=usage(input_tokens, 1, cache_read, cache_write))
    start["stop_reason"] = None
    return ("message_start", {"type": "message_start", "message": start})


def block_start(index: int, block: dict[str, Any]) -> Event:
    return ("content_block_start",
            {"type": "content_block_start", "index": index, "content_block": block})


def delta(index: int, delta_: dict[str, Any]) -> Event:
    return ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta_})


def block_stop(index: int) -> Event:
    return ("content_block_stop", {"type": "content_block_stop", "index": index})


def message_delta(stop_reason: str = "end_turn", output_tokens: int = 15) -> Event:
    return ("message_delta", {
        "type": "message_delta",
        "delta": {"stop_reason": stop_reason, "stop_sequence": None},
        "usage": {"output_tokens": output_tokens},
    })


MESSAGE_STOP: Event = ("message_stop", {"type": "message_stop"})
PING: Event = ("ping", {"type": "ping"})


def text_events(chunks: Iterable[str] = ("Hello", " there", "!"), *, output_tokens: int = 15,
                input_tokens: int = 25, cache_read: int = 0, cache_write: int = 0
                ) -> list[Event]:
    events = [message_start(input_tokens, cache_read, cache_write),
              block_start(0, {"type": "text", "text": ""}), PING]
    events += [delta(0, {"type": "text_delta", "text": t}) for t in chunks]
    events += [block_stop(0), message_delta("end_turn", output_tokens), MESSAGE_STOP]
    return events


def tool_events() -> list[Event]:
    return [
        message_start(),
        block_start(0, {"type": "text", "text": ""}),
        delta(0, {"type": "text_delta", "text": "Let me check."}),
        block_stop(0),
        block_start(1, {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9",
                        "name": "get_weather", "input": {}}),
        delta(1, {"type": "input_json_delta", "partial_json": ""}),
        delta(1, {"type": "input_json_delta", "partial_json": '{"location": "San'}),
        delta(1, {"type": "input_json_delta", "partial_json": ' Francisco, CA"}'}),
        block_stop(1),
        message_delta("tool_use", 40),
        MESSAGE_STOP,
    ]


def thinking_events() -> list[Event]:
    return [
        message_start(),
        block_start(0, {"type": "thinking", "thinking": "", "signature": ""}),
        delta(0, {"type": "thinking_delta", "thinking": "Let me add 2 and 2."}),
        delta(0, {"type": "signature_delta", "signature": "EqQBCgIYAhIM1gbcDa9GJwZA2b3h"}),
        block_stop(0),
        block_start(1, {"type": "text", "text": ""}),
        delta(1, {"type": "text_delta", "text": "4"}),
        block_stop(1),
        message_delta("end_turn", 30),
        MESSAGE_STOP,
    ]


def error_event(error_type: str = "overloaded_error") -> Event:
    return ("error", error_body(error_type))


def sse(events: Iterable[Event]) -> bytes:
    return b"".join(
        f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in events)


# --- the transport -------------------------------------------------------------

class _Body(HTTP.SyncByteStream, HTTP.AsyncByteStream):  # type: ignore[misc,name-defined]
    """A response body sent in pieces, that may fail or hang after them."""

    def __init__(self, chunks: list[bytes], fail: bool = False, hang: bool = False) -> None:
        self.chunks = chunks
        self.fail = fail
        self.hang = hang

    def __iter__(self) -> Any:
        yield from self.chunks
        if self.fail:
            raise HTTP.ReadError("connection reset by peer")

    async def __aiter__(self) -> Any:
        for chunk in self.chunks:
            yield chunk
        if self.hang:
            await asyncio.Event().wait()
        if self.fail:
            raise HTTP.ReadError("connection reset by peer")


class MockAPI:
    """Scripted responses, in order; every request is kept for inspection."""

    def __init__(self) -> None:
        self.requests: list[Any] = []
        self._responses: deque[Any] = deque()

    def json(self, body: Any, status: int = 200) -> MockAPI:
        self._responses.append(("json", body, status))
        return self

    def sse(self, events: list[Event], *, fail: bool = False, hang: bool = False) -> MockAPI:
        self._responses.append(("sse", events, fail, hang))
        return self

    def handler(self, request: Any) -> Any:
        request.read()
        self.requests.append(request)
        if not self._responses:
            return HTTP.Response(500, json=error_body("api_error", "no scripted response"))
        kind, *rest = self._responses.popleft()
        headers = {"request-id": REQUEST_ID}
        if kind == "json":
            body, status = rest
            return HTTP.Response(status, json=body, headers=headers)
        events, fail, hang = rest
        chunks = [sse([e]) for e in events]
        headers["content-type"] = "text/event-stream"
        return HTTP.Response(200, headers=headers, stream=_Body(chunks, fail, hang))

    def last_json(self) -> Any:
        return json.loads(self.requests[-1].content)

    # --- clients ---------------------------------------------------------------

    def client(self, cls: Any = None, **kwargs: Any) -> Any:
        cls = cls or anthropic.Anthropic
        kwargs.setdefault("api_key", "sk-ant-test")
        kwargs.setdefault("max_retries", 0)
        return cls(http_client=HTTP.Client(transport=HTTP.MockTransport(self.handler)), **kwargs)

    def async_client(self, cls: Any = None, **kwargs: Any) -> Any:
        cls = cls or anthropic.AsyncAnthropic
        kwargs.setdefault("api_key", "sk-ant-test")
        kwargs.setdefault("max_retries", 0)
        return cls(http_client=HTTP.AsyncClient(transport=HTTP.MockTransport(self.handler)),
                   **kwargs)


def chat_kwargs(**extra: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "model": MODEL,
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Say hello"}],
    }
    kwargs.update(extra)
    return kwargs

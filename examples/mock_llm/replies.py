"""What an endpoint hands back to the HTTP layer: a JSON body or a list of SSE frames."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mock_llm.dialogue import PromptCache
from mock_llm.textgen import IdFactory


@dataclass(frozen=True)
class Frame:
    """One server-sent event; ``is_token`` frames are paced by the inter-token delay."""

    data: bytes
    is_token: bool = False


@dataclass
class JsonReply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    # Output tokens, so the HTTP layer can spread the latency profile over them.
    output_tokens: int = 0


@dataclass
class StreamReply:
    frames: list[Frame]
    headers: dict[str, str] = field(default_factory=dict)


Reply = JsonReply | StreamReply


class BadRequest(Exception):
    """The request is malformed; rendered as the provider's 400 error."""


@dataclass
class EndpointContext:
    seed: int
    ids: IdFactory
    cache: PromptCache
    now: int


def sse_data(payload: Any, *, is_token: bool = False) -> Frame:
    """An OpenAI chat/completions frame: ``data:`` only, no event name."""
    return Frame(b"data: " + _compact(payload) + b"\n\n", is_token)


def sse_event(event: str, payload: Any, *, is_token: bool = False) -> Frame:
    """A named event, as the Anthropic and OpenAI Responses streams send them."""
    return Frame(b"event: " + event.encode() + b"\ndata: " + _compact(payload) + b"\n\n", is_token)


SSE_DONE = Frame(b"data: [DONE]\n\n")


def _compact(payload: Any) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()

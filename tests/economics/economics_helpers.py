"""Helpers shared by the economics tests."""

from __future__ import annotations

from typing import Any

from llmlens_semconv import Emitter, Request, Response, Usage


def make_call(
    emitter: Emitter,
    model: str | None = "gpt-4o",
    usage: Usage | None = None,
    *,
    provider: str = "openai",
    response_model: str | None = None,
    operation: str = "chat",
    extra: dict[str, Any] | None = None,
) -> None:
    call = emitter.start(Request(operation=operation, provider=provider, model=model))
    call.finish(Response(model=response_model, usage=usage, extra=extra))

"""Streaming responses of queries, chat engines and agents.

Their generator runs the rest of the step (often the whole LLM call) after
the method returned, in whatever context the caller consumes it. The step's
span stays open until the generator ends, and each step of the generator
runs with the step's context current (attached and detached inside that one
step, so nothing leaks into the consumer's context between chunks).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

from opentelemetry import context as otel_context

from llmlens_llama_index.scope import Attachment
from llmlens_semconv import Call
from llmlens_semconv.streams import END_ABANDONED, END_CANCELLED, END_COMPLETED, END_ERROR


def keep_open(stream: Any, call: Call, ctx: otel_context.Context) -> Any:
    if hasattr(stream, "__anext__"):
        wrapped: Any = _keep_open_async(stream, call, ctx)
    else:
        wrapped = _keep_open_sync(stream, call, ctx)
    # a generator never started runs no finally when dropped: the call
    # still ends when the response is garbage collected unread
    weakref.finalize(wrapped, call.finish, end_reason=END_ABANDONED)
    return wrapped


def _keep_open_sync(stream: Iterator[Any], call: Call, ctx: otel_context.Context) -> Iterator[Any]:
    try:
        while True:
            scope = Attachment(ctx)
            try:
                item = next(stream)
            except StopIteration:
                call.finish(end_reason=END_COMPLETED)
                return
            except BaseException as exc:
                call.fail(exc, end_reason=END_ERROR)
                raise
            finally:
                scope.detach()
            yield item
    finally:
        # left early: close(), garbage collection, or an error in the consumer
        call.finish(end_reason=END_ABANDONED)


async def _keep_open_async(
    stream: AsyncIterator[Any], call: Call, ctx: otel_context.Context,
) -> AsyncIterator[Any]:
    try:
        while True:
            scope = Attachment(ctx)
            try:
                item = await stream.__anext__()
            except StopAsyncIteration:
                call.finish(end_reason=END_COMPLETED)
                return
            except asyncio.CancelledError as exc:
                call.fail(exc, end_reason=END_CANCELLED)
                raise
            except BaseException as exc:
                call.fail(exc, end_reason=END_ERROR)
                raise
            finally:
                scope.detach()
            yield item
    finally:
        call.finish(end_reason=END_ABANDONED)

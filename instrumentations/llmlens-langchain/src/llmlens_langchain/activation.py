"""Making a LangChain run's span current while the run's own code executes,
with every attach detached in the frame (so the context) that attached it.

The callbacks themselves never attach: a run's start and end callbacks do not
always run in the same context (a stream starts in one step and ends in a
later one, in ``close()``, in garbage collection or in an event loop's
finalizer task; older langchain-core dispatches async callbacks in gathered
tasks), and a token detached in a foreign context fails or leaks. Spans are
parented explicitly through the run table instead, and the span is made
current only around the code that runs inside the run:

* model calls: ``_generate_with_cache`` / ``_agenerate_with_cache`` (chat
  models) and ``_generate_helper`` / ``_agenerate_helper`` (LLMs) get the run
  manager, so the run's span is made current around the provider call: the
  SDK call beneath nests under it and its usage is counted once;
* entry points whose run starts inside them (``stream``, tool ``run``,
  retriever ``invoke``, ``_call_with_config``, graph nodes): the wrapper opens
  a *slot* for the duration of its frame (for a stream: its first step); when
  the run of that kind starts inline, the handler attaches the run's context
  and leaves the token in the slot, and the wrapper detaches it before it
  returns — only when that attach is what is current in its own context, that
  is when it happened there.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context

KIND_LLM = "llm"
KIND_TOOL = "tool"
KIND_RETRIEVER = "retriever"
KIND_CHAIN = "chain"


class Slot:
    """Room for the context of the one run a wrapper's frame starts."""

    __slots__ = ("attached", "ctx", "kind", "stream", "token")

    def __init__(self, kind: str, stream: bool = False) -> None:
        self.kind = kind
        self.stream = stream
        self.token: object | None = None
        self.attached: otel_context.Context | None = None
        self.ctx: otel_context.Context | None = None


_current_slot: ContextVar[Slot | None] = ContextVar("llmlens_langchain_slot", default=None)


def claim(kind: str) -> Slot | None:
    """The open, unused slot for a run of this kind starting here, if any."""
    slot = _current_slot.get()
    if slot is None or slot.kind != kind or slot.token is not None:
        return None
    return slot


def hold(slot: Slot, ctx: otel_context.Context) -> None:
    """Make ``ctx`` current until the slot's wrapper releases it."""
    slot.ctx = ctx
    slot.token = otel_context.attach(ctx)
    slot.attached = otel_context.get_current()


def adopt() -> None:
    """After an awaited model-start dispatch: if the handler ran in a task of
    its own (older langchain-core gathers model-start callbacks), its attach
    is not current here; attach the run's context in this frame's context
    instead (the slot's wrapper detaches it in this same context). The other
    attach stays in the finished task's own context copy."""
    slot = _current_slot.get()
    if (slot is None or slot.kind != KIND_LLM or slot.ctx is None
            or otel_context.get_current() is slot.attached):
        return
    slot.token = otel_context.attach(slot.ctx)
    slot.attached = otel_context.get_current()


def _release(slot: Slot) -> None:
    token, slot.token = slot.token, None
    if token is None:
        return
    # Detach only what was attached in this very context: if the handler ran
    # elsewhere (a task or thread with a copied context), its attach is not
    # current here and there is nothing of ours to undo.
    if otel_context.get_current() is slot.attached:
        otel_context.detach(token)  # type: ignore[arg-type]
    slot.attached = None
    slot.ctx = None


@contextmanager
def open_slot(kind: str, stream: bool = False) -> Iterator[Slot]:
    slot = Slot(kind, stream)
    token = _current_slot.set(slot)
    try:
        yield slot
    finally:
        _current_slot.reset(token)
        _release(slot)


def first_step_in_slot(inner: Iterator[Any], kind: str) -> Iterator[Any]:
    """Iterate ``inner``; its first step (where the run starts) in a slot."""
    with open_slot(kind, stream=True):
        try:
            first = next(inner)
        except StopIteration as stop:
            return stop.value
    yield first
    return (yield from inner)


async def afirst_step_in_slot(inner: AsyncIterator[Any], kind: str) -> AsyncIterator[Any]:
    """Async twin of :func:`first_step_in_slot`; closes ``inner`` when closed."""
    try:
        with open_slot(kind, stream=True):
            try:
                first = await inner.__anext__()
            except StopAsyncIteration:
                return
        yield first
        async for item in inner:
            yield item
    finally:
        aclose = getattr(inner, "aclose", None)
        if aclose is not None:
            await aclose()

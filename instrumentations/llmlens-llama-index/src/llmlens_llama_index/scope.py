"""Attaching a step's context as current, and detaching it only where that
is safe.

The dispatcher enters and exits a span in the caller's context, except when
a synchronous method returns a Future (``Workflow.run``): then the exit runs
in a loop callback, in another context. A token is detached only in the
thread and task that attached it; a step that cannot be detached there is
never attached in the first place (see :func:`returns_future`).
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from typing import Any

from opentelemetry import context as otel_context


def owner() -> tuple[int, int]:
    """The (thread, task) running now: where a token may be detached."""
    try:
        task = asyncio.current_task()
    except RuntimeError:
        task = None
    return threading.get_ident(), id(task) if task is not None else 0


class Attachment:
    """One attach of a context, detached at most once and only by its owner."""

    __slots__ = ("_token", "_owner")

    def __init__(self, ctx: otel_context.Context) -> None:
        self._owner = owner()
        self._token: Any = otel_context.attach(ctx)

    def detach(self) -> bool:
        """Detach if still attached and running where it was attached."""
        token = self._token
        if token is None or owner() != self._owner:
            return False
        self._token = None
        otel_context.detach(token)
        return True


def returns_future(bound_args: Any, instance: Any, method: str) -> bool:
    """Whether a synchronous method hands back a Future (its dispatcher span
    exits in a callback, not in the caller's context)."""
    signature = getattr(bound_args, "signature", None)
    annotation = getattr(signature, "return_annotation", None)
    if isinstance(annotation, type):
        return issubclass(annotation, asyncio.Future)
    if isinstance(annotation, str):
        return annotation.endswith(("Handler", "Future"))
    # without an annotation, a workflow's run is the known case
    return method == "run" and not inspect.iscoroutinefunction(
        getattr(type(instance), method, None))

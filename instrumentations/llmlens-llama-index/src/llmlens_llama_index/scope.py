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


# The attachment whose detach will restore the context below it: a context
# we attach names itself here, so a step can tell that someone of ours will
# clean up after it in this context.
_SCOPE_KEY = otel_context.create_key("llmlens.llama_index.scope")


class Attachment:
    """One attach of a context, detached at most once and only by its owner.

    ``within`` is the attachment this one was made inside of: when that one
    is detached first, the ContextVar reset has already removed this one,
    which is then dead and never detached itself."""

    __slots__ = ("_token", "_owner", "_within", "ctx")

    def __init__(self, ctx: otel_context.Context, within: Attachment | None = None) -> None:
        self._owner = owner()
        self._within = within
        self.ctx = otel_context.set_value(_SCOPE_KEY, self, ctx)
        self._token: Any = otel_context.attach(self.ctx)

    @property
    def alive(self) -> bool:
        if self._token is None:
            return False
        return self._within is None or self._within.alive

    def detach(self) -> bool:
        """Detach if still attached and running where it was attached."""
        if not self.alive or owner() != self._owner:
            return False
        token, self._token = self._token, None
        otel_context.detach(token)
        return True

    def detach_if_current(self) -> bool:
        """Detach only while this attachment's context is the current one
        (nothing attached after it is still in force)."""
        if otel_context.get_current() is not self.ctx:
            return False
        return self.detach()


def enclosing_scope() -> Attachment | None:
    """Our live attachment that the current context sits in, if it was made
    here (same thread and task): its detach will restore what lies below."""
    scope = otel_context.get_value(_SCOPE_KEY)
    if isinstance(scope, Attachment) and scope.alive and scope._owner == owner():
        return scope
    return None


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

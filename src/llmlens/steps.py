"""Decorators and context managers for the user's own steps.

``@llmlens.workflow(name)``, ``@llmlens.agent(name)``, ``@llmlens.tool(name)``,
``@llmlens.retrieval(source)`` and ``llmlens.span(name)`` work on functions,
coroutines, generators and async generators, and as ``with`` / ``async with``
blocks. They use only the OpenTelemetry API and the semconv emitter, so they
work under any SDK set-up (or none). Exceptions mark the span and pass
through unchanged; return values are untouched.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from llmlens_semconv import Call, Emitter, Request, Response
from llmlens_semconv import names as n

F = TypeVar("F", bound=Callable[..., Any])

_emitter: Emitter | None = None


def emitter() -> Emitter:
    """The emitter of the manual API (global providers, policy from the environment)."""
    global _emitter
    if _emitter is None:
        from llmlens import __version__

        _emitter = Emitter("llmlens", __version__)
    return _emitter


def reset_emitter() -> None:
    """Forget the emitter (tests, or after changing the environment)."""
    global _emitter
    _emitter = None


class Run:
    """One running step: its call, and the context token made current for it."""

    __slots__ = ("_token", "call", "result")

    def __init__(self, call: Call) -> None:
        self.call = call
        self.result: Any = None
        self._token: object | None = None

    @property
    def span(self) -> trace.Span:
        return self.call.span

    def record_result(self, result: Any) -> None:
        """Keep the result (recorded only under content capture)."""
        self.result = result


class Step:
    """A step usable as a decorator or a (async) context manager."""

    def __init__(self, request: Callable[[], Request], *, records_io: bool = False) -> None:
        self._request = request
        self._records_io = records_io
        self._runs: list[Run] = []

    # --- starting and ending -----------------------------------------------------

    def _start(self, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None,
               func: Callable[..., Any] | None = None) -> Run:
        request = self._request()
        em = emitter()
        if self._records_io and func is not None and em.content.enabled:
            request.tool_call_arguments = _bound_arguments(func, args, kwargs or {})
        return Run(em.start(request))

    def _end(self, run: Run, exc: BaseException | None, result: Any = None) -> None:
        if exc is not None:
            run.call.fail(exc)
            return
        kept = run.result if run.result is not None else result
        if self._records_io and kept is not None and emitter().content.enabled:
            run.call.finish(Response(tool_call_result=kept))
        else:
            run.call.finish()

    # --- context manager -----------------------------------------------------------

    def __enter__(self) -> Run:
        run = self._start()
        run._token = otel_context.attach(run.call.context())
        self._runs.append(run)
        return run

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        run = self._runs.pop()
        otel_context.detach(run._token)  # type: ignore[arg-type]
        self._end(run, exc)

    async def __aenter__(self) -> Run:
        return self.__enter__()

    async def __aexit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        self.__exit__(exc_type, exc, tb)

    # --- decorator -----------------------------------------------------------------

    def __call__(self, func: F) -> F:
        if inspect.isasyncgenfunction(func):
            return self._wrap_async_generator(func)  # type: ignore[return-value]
        if inspect.isgeneratorfunction(func):
            return self._wrap_generator(func)  # type: ignore[return-value]
        if inspect.iscoroutinefunction(func):
            return self._wrap_coroutine(func)  # type: ignore[return-value]
        return self._wrap_function(func)  # type: ignore[return-value]

    def _wrap_function(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            run = self._start(args, kwargs, func)
            token = otel_context.attach(run.call.context())
            try:
                result = func(*args, **kwargs)
            except BaseException as exc:
                otel_context.detach(token)
                self._end(run, exc)
                raise
            otel_context.detach(token)
            self._end(run, None, result)
            return result

        return wrapper

    def _wrap_coroutine(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            run = self._start(args, kwargs, func)
            token = otel_context.attach(run.call.context())
            try:
                result = await func(*args, **kwargs)
            except BaseException as exc:
                otel_context.detach(token)
                self._end(run, exc)
                raise
            otel_context.detach(token)
            self._end(run, None, result)
            return result

        return wrapper

    def _wrap_generator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # The step's context is current only while the generator body runs
        # (each resume attaches, each yield detaches), never while the caller
        # holds a yielded value.
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            run = self._start(args, kwargs, func)
            ctx = run.call.context()
            gen = func(*args, **kwargs)
            sent: Any = None
            try:
                while True:
                    token = otel_context.attach(ctx)
                    try:
                        item = gen.send(sent)
                    finally:
                        otel_context.detach(token)
                    sent = yield item
            except StopIteration as stop:
                self._end(run, None, stop.value)
                return stop.value
            except GeneratorExit:
                gen.close()
                self._end(run, None)
                raise
            except BaseException as exc:
                self._end(run, exc)
                raise

        return wrapper

    def _wrap_async_generator(self, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            run = self._start(args, kwargs, func)
            ctx = run.call.context()
            agen = func(*args, **kwargs)
            sent: Any = None
            try:
                while True:
                    token = otel_context.attach(ctx)
                    try:
                        item = await agen.asend(sent)
                    finally:
                        otel_context.detach(token)
                    sent = yield item
            except StopAsyncIteration:
                self._end(run, None)
            except GeneratorExit:
                await agen.aclose()
                self._end(run, None)
                raise
            except BaseException as exc:
                self._end(run, exc)
                raise

        return wrapper


def _bound_arguments(func: Callable[..., Any], args: tuple[Any, ...],
                     kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        bound = inspect.signature(func).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return {"args": list(args), **kwargs}
    return {k: v for k, v in bound.arguments.items() if k not in ("self", "cls")}


# --- the public constructors ---------------------------------------------------------

def workflow(name: str) -> Step:
    """An ``invoke_workflow {name}`` span around a function or block."""
    return Step(lambda: Request(operation=n.OP_INVOKE_WORKFLOW, workflow_name=name))


def agent(name: str, *, agent_id: str | None = None, description: str | None = None,
          provider: str | None = None) -> Step:
    """An ``invoke_agent {name}`` INTERNAL span with ``gen_ai.agent.name``."""
    return Step(lambda: Request(operation=n.OP_INVOKE_AGENT, agent_name=name, agent_id=agent_id,
                                agent_description=description, provider=provider,
                                kind=SpanKind.INTERNAL))


def tool(name: str, *, description: str | None = None, tool_type: str = "function") -> Step:
    """An ``execute_tool {name}`` span; arguments and result under content capture."""
    return Step(lambda: Request(operation=n.OP_EXECUTE_TOOL, tool_name=name,
                                tool_description=description, tool_type=tool_type),
                records_io=True)


def retrieval(source: str, *, top_k: int | None = None, provider: str | None = None) -> Step:
    """A ``retrieval {source}`` span."""
    return Step(lambda: Request(operation=n.OP_RETRIEVAL, data_source_id=source,
                                retrieval_top_k=top_k, provider=provider))


def span(name: str, *, kind: SpanKind = SpanKind.INTERNAL,
         attributes: dict[str, Any] | None = None) -> Step:
    """A plain span for any other step."""
    return Step(lambda: Request(operation=None, span_name=name, kind=kind,
                                extra=attributes or None))

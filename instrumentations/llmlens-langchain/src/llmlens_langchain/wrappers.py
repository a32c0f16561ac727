"""The wrapt wrappers: attach the handler to every callback manager, and make
a run's span current around the code that runs inside it (see
:mod:`llmlens_langchain.activation`). Each wrapper fails open: our part
breaking never changes what LangChain does or returns."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from llmlens_langchain import activation
from llmlens_langchain.handler import LlmlensCallbackHandler
from llmlens_semconv.safety import log_once

_log = logging.getLogger(__name__)

Wrapper = Callable[[Callable[..., Any], Any, tuple[Any, ...], dict[str, Any]], Any]


def add_handler(handler: LlmlensCallbackHandler) -> Wrapper:
    """``BaseCallbackManager.__init__``: add our handler, inheritable."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> None:
        wrapped(*args, **kwargs)
        try:
            if handler.enabled and handler not in instance.inheritable_handlers:
                instance.add_handler(handler, True)
        except Exception:  # noqa: BLE001 - fail open
            log_once(_log, "langchain.add_handler")

    return wrapper


def _activation(handler: LlmlensCallbackHandler, run_manager: Any) -> AbstractContextManager[Any]:
    try:
        call = handler.call_of(getattr(run_manager, "run_id", None))
        if call is not None and not call.ended:
            return call.activated()
    except Exception:  # noqa: BLE001 - fail open
        log_once(_log, "langchain.activation")
    return nullcontext()


def _run_manager_of(args: tuple[Any, ...], kwargs: dict[str, Any], position: int,
                    name: str, first: bool) -> Any:
    value = kwargs.get(name, args[position] if len(args) > position else None)
    if first:  # LLMs: one provider call for the batch, reported on the first run
        return value[0] if isinstance(value, (list, tuple)) and len(value) == 1 else None
    return value


def run_current(handler: LlmlensCallbackHandler, position: int, name: str,
                first: bool = False) -> Wrapper:
    """A model's generate step: the run's span current around it (sync)."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        with _activation(handler, _run_manager_of(args, kwargs, position, name, first)):
            return wrapped(*args, **kwargs)

    return wrapper


def arun_current(handler: LlmlensCallbackHandler, position: int, name: str,
                 first: bool = False) -> Wrapper:
    """Async twin of :func:`run_current` (attach and detach in one task)."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        async def run() -> Any:
            with _activation(handler, _run_manager_of(args, kwargs, position, name, first)):
                return await wrapped(*args, **kwargs)

        return run()

    return wrapper


def in_slot(kind: str) -> Wrapper:
    """An entry point whose run starts inside it (sync)."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        with activation.open_slot(kind):
            return wrapped(*args, **kwargs)

    return wrapper


def ain_slot(kind: str) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        async def run() -> Any:
            with activation.open_slot(kind):
                return await wrapped(*args, **kwargs)

        return run()

    return wrapper


def stream_in_slot(kind: str) -> Wrapper:
    """A generator entry point: its first step (where the run starts) in a slot."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        return activation.first_step_in_slot(wrapped(*args, **kwargs), kind)

    return wrapper


def astream_in_slot(kind: str) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        return activation.afirst_step_in_slot(wrapped(*args, **kwargs), kind)

    return wrapper


def adopt_after_start() -> Wrapper:
    """``AsyncCallbackManager.on_chat_model_start`` / ``on_llm_start``."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        async def run() -> Any:
            managers = await wrapped(*args, **kwargs)
            try:
                activation.adopt()
            except Exception:  # noqa: BLE001 - fail open
                log_once(_log, "langchain.adopt")
            return managers

        return run()

    return wrapper


def _steps_under_run(handler: LlmlensCallbackHandler, run_manager: Any,
                     inner: Iterator[Any]) -> Iterator[Any]:
    try:
        while True:
            with _activation(handler, run_manager):
                try:
                    item = next(inner)
                except StopIteration as stop:
                    return stop.value
            yield item
    finally:
        close = getattr(inner, "close", None)
        if close is not None:
            close()


async def _asteps_under_run(handler: LlmlensCallbackHandler, run_manager: Any,
                            inner: AsyncIterator[Any]) -> AsyncIterator[Any]:
    try:
        while True:
            with _activation(handler, run_manager):
                try:
                    item = await inner.__anext__()
                except StopAsyncIteration:
                    return
            yield item
    finally:
        aclose = getattr(inner, "aclose", None)
        if aclose is not None:
            await aclose()


def steps_under_run(handler: LlmlensCallbackHandler) -> Wrapper:
    """A model's event generator given its run manager (the v3 event stream):
    the run's span current around each step, where the provider is called."""

    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        return _steps_under_run(handler, kwargs.get("run_manager"), wrapped(*args, **kwargs))

    return wrapper


def asteps_under_run(handler: LlmlensCallbackHandler) -> Wrapper:
    def wrapper(wrapped: Callable[..., Any], instance: Any, args: tuple[Any, ...],
                kwargs: dict[str, Any]) -> Any:
        return _asteps_under_run(handler, kwargs.get("run_manager"), wrapped(*args, **kwargs))

    return wrapper

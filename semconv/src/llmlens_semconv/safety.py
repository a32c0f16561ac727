"""Fail-open helpers: our code logs a failure once per site and never raises
into the user's call."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

_seen: set[str] = set()

F = TypeVar("F", bound=Callable[..., Any])


def log_once(logger: logging.Logger, site: str) -> None:
    """Log the exception being handled, the first time only for this site."""
    if site in _seen:
        return
    _seen.add(site)
    logger.warning("llmlens: internal error in %s (reported once; the call goes on)",
                   site, exc_info=True)


def fail_open(site: str, logger: logging.Logger, default: Any = None) -> Callable[[F], F]:
    """Decorate a helper of ours so an exception in it is logged once and
    ``default`` returned instead."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except Exception:  # noqa: BLE001 - fail open by design
                log_once(logger, site)
                return default

        return guarded  # type: ignore[return-value]

    return decorate

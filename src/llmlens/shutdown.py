"""Flush and shut down the three providers at exit, in parallel and within a
bounded time (``LLMLENS_SHUTDOWN_TIMEOUT``, seconds, default 5).

Each provider would otherwise shut down in turn, each retrying its exporter
for up to the OTLP timeout: with the collector down, a short script would
hang for many seconds after its last line. With a collector up, exporting
takes milliseconds and nothing is lost.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections.abc import Iterable
from typing import Any

_log = logging.getLogger(__name__)

TIMEOUT_VARIABLE = "LLMLENS_SHUTDOWN_TIMEOUT"
DEFAULT_TIMEOUT_S = 5.0


def shutdown_timeout(environ: Any = None) -> float:
    environ = os.environ if environ is None else environ
    raw = environ.get(TIMEOUT_VARIABLE)
    if not raw:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(raw)
        if value < 0:
            raise ValueError(raw)
        return value
    except ValueError:
        _log.warning("llmlens: %s=%r is not a number of seconds; using %s",
                     TIMEOUT_VARIABLE, raw, DEFAULT_TIMEOUT_S)
        return DEFAULT_TIMEOUT_S


def shutdown_all(providers: Iterable[Any], timeout_s: float) -> bool:
    """Shut the providers down concurrently; True when all finished in time."""
    threads = []
    for provider in providers:
        thread = threading.Thread(target=_shutdown_quietly, args=(provider,),
                                  name="llmlens-shutdown", daemon=True)
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + timeout_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    finished = not any(thread.is_alive() for thread in threads)
    if not finished:
        _log.warning("llmlens: telemetry not fully exported after %.1f s at exit; "
                     "is the collector reachable?", timeout_s)
    return finished


def _shutdown_quietly(provider: Any) -> None:
    try:
        provider.shutdown()
    except Exception:  # noqa: BLE001 - exit must go on
        _log.debug("llmlens: provider shutdown failed", exc_info=True)


def register_at_exit(providers: Iterable[Any]) -> None:
    chosen = list(providers)
    atexit.register(lambda: shutdown_all(chosen, shutdown_timeout()))

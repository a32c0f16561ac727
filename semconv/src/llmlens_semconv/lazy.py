"""Patch a library when the application imports it, not at start-up.

An instrumentor's ``_instrument()`` runs before the application's code, under
``opentelemetry-instrument`` at process start. Importing the provider SDK or
framework there costs every process seconds and megabytes, used or not. So an
instrumentor registers what to patch with :func:`when_imported`: the callback
runs at once when the module is already imported, else right after the
application imports it. The returned handle's :meth:`Pending.cancel` (from
``_uninstrument()``) keeps a callback that has not run yet from ever running,
so instrument / uninstrument / instrument before the import patches once.

A callback never breaks the application's import: its errors are logged once
and swallowed.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable
from types import ModuleType

from llmlens_semconv.safety import log_once

_log = logging.getLogger(__name__)

Callback = Callable[[ModuleType], None]

_lock = threading.RLock()
# module name -> handles waiting for its import
_waiting: dict[str, list[Pending]] = {}


class Pending:
    """One registered callback; runs at most once."""

    __slots__ = ("_callback", "module", "state")

    def __init__(self, module: str, callback: Callback) -> None:
        self.module = module
        self._callback: Callback | None = callback
        self.state = "waiting"  # then "done" or "cancelled"

    def cancel(self) -> None:
        """Drop the callback if it has not run yet (no effect once done)."""
        with _lock:
            if self.state == "waiting":
                self.state = "cancelled"
                self._callback = None
                waiting = _waiting.get(self.module)
                if waiting and self in waiting:
                    waiting.remove(self)

    def _run(self, module: ModuleType) -> None:
        with _lock:
            if self.state != "waiting":
                return
            self.state = "done"
            callback, self._callback = self._callback, None
        if callback is None:
            return
        try:
            callback(module)
        except Exception:  # noqa: BLE001 - never break the application's import
            log_once(_log, f"lazy.{self.module}")


def _fire(module: ModuleType) -> None:
    with _lock:
        handles = _waiting.pop(module.__name__, [])
    for handle in handles:
        handle._run(module)


def when_imported(module_name: str, callback: Callback) -> Pending:
    """Run ``callback(module)`` now if ``module_name`` is imported, else when
    it is. Importing nothing itself (wrapt's import hooks are only loaded
    here, and they are light)."""
    handle = Pending(module_name, callback)
    module = sys.modules.get(module_name)
    if module is not None:
        handle._run(module)
        return handle
    import wrapt

    with _lock:
        first = module_name not in _waiting
        _waiting.setdefault(module_name, []).append(handle)
    if first:
        # one wrapt hook per module name while something waits on it; wrapt
        # drops its hook once fired, and so do we (_fire pops the list)
        wrapt.register_post_import_hook(_fire, module_name)
    return handle


def is_waiting(module_name: str) -> bool:
    """True while some callback waits for ``module_name`` (tests)."""
    with _lock:
        return bool(_waiting.get(module_name))

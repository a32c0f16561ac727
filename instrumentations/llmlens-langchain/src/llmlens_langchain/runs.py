"""The handler's table of running LangChain runs.

Every run is removed on its end or error callback. A run still open when its
root run ends may yet end on its own a moment later (a stream's inner
generators close after the outer one, an event loop finalizes an abandoned
async generator in a task of its own); one that has not ended a grace period
after its root did (a framework bug, a task cancelled past its callbacks) is
removed then and reported as abandoned, so the table cannot grow.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from opentelemetry.context import Context

from llmlens_semconv import Call


@dataclass(slots=True)
class Run:
    # None for runs we trace no span for (hidden runs): children then hang
    # off the nearest traced ancestor through ``context``
    call: Call | None
    # the context this run's children are parented in
    context: Context
    root: UUID
    kind: str
    name: str = ""
    # carries LangChain's hidden tag (children inherit tags: only the run
    # that brought the tag is hidden)
    hidden_tag: bool = False
    # opt-in content gathered while the run goes on (streamed text)
    extra: dict[str, object] = field(default_factory=dict)


# how long a run may outlive its root before it is ended as abandoned
ORPHAN_GRACE_SECONDS = 30.0


class RunTable:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._runs: dict[UUID, Run] = {}
        self._by_root: dict[UUID, set[UUID]] = {}
        # root that ended -> (when, its runs still open then), oldest first
        self._retired: dict[UUID, tuple[float, set[UUID]]] = {}
        self._clock = clock
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._runs)

    def get(self, run_id: UUID | None) -> Run | None:
        if run_id is None:
            return None
        return self._runs.get(run_id)

    def add(self, run_id: UUID, run: Run) -> None:
        with self._lock:
            self._runs[run_id] = run
            self._by_root.setdefault(run.root, set()).add(run_id)

    def pop(self, run_id: UUID) -> Run | None:
        with self._lock:
            run = self._runs.pop(run_id, None)
            if run is None:
                return None
            members = self._by_root.get(run.root)
            if members is not None:
                members.discard(run_id)
                if not members:
                    self._by_root.pop(run.root, None)
            elif run.root in self._retired:
                members = self._retired[run.root][1]
                members.discard(run_id)
                if not members:
                    del self._retired[run.root]
            return run

    def retire_root(self, root: UUID) -> list[Run]:
        """A root run ended: its open runs get a grace period to end on their
        own. Returns (and removes) the runs whose grace period is over."""
        with self._lock:
            now = self._clock()
            expired: list[Run] = []
            for old_root, (when, members) in list(self._retired.items()):
                if now - when < ORPHAN_GRACE_SECONDS:
                    break
                del self._retired[old_root]
                expired.extend(r for r in (self._runs.pop(rid, None) for rid in members) if r)
            members = self._by_root.pop(root, None)
            if members:
                self._retired[root] = (now, members)
            return expired

    def retired_count(self) -> int:
        return len(self._retired)

    def root_count(self) -> int:
        return len(self._by_root)

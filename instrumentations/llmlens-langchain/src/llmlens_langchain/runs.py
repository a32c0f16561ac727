"""The handler's table of running LangChain runs.

Every run is removed on its end or error callback. A run whose end never
comes (a framework bug, a cancelled task that skipped its callbacks) is
ended and removed when its root run ends, so the table cannot grow.
"""

from __future__ import annotations

import threading
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


class RunTable:
    def __init__(self) -> None:
        self._runs: dict[UUID, Run] = {}
        self._by_root: dict[UUID, set[UUID]] = {}
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
            return run

    def pop_stragglers(self, root: UUID) -> list[Run]:
        """Remove and return the runs still open under a root that ended."""
        with self._lock:
            members = self._by_root.pop(root, None) or set()
            return [run for run in (self._runs.pop(rid, None) for rid in members) if run]

    def root_count(self) -> int:
        return len(self._by_root)

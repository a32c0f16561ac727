"""Budget usage in the current window, its gauges, and the threshold warnings.

State lives in this process only: a restart starts every window at zero.
Burn across restarts is computed from the cost and token counters in the
backend (see the README).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation

from llmlens.economics.budget_spec import Budget
from llmlens_semconv import names as n

THRESHOLDS = (0.8, 1.0)
_HOUR = 3600
_DAY = 86400
# distinct attribution and model combinations whose budgets are remembered
_MATCH_CACHE_LIMIT = 4096


def window_bounds(window: str, now: float) -> tuple[float, float]:
    """Start and end (epoch seconds) of the calendar window holding ``now`` (UTC)."""
    if window == "hour":
        start = now // _HOUR * _HOUR
        return start, start + _HOUR
    if window == "day":
        start = now // _DAY * _DAY
        return start, start + _DAY
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    first = datetime(moment.year, moment.month, 1, tzinfo=timezone.utc)
    following = (
        datetime(moment.year + 1, 1, 1, tzinfo=timezone.utc) if moment.month == 12
        else datetime(moment.year, moment.month + 1, 1, tzinfo=timezone.utc)
    )
    return first.timestamp(), following.timestamp()


class _State:
    __slots__ = ("attributes", "budget", "in_usd", "next_alert", "usage", "window_end")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.in_usd = budget.unit == "usd"
        self.usage = 0.0
        self.window_end = 0.0  # rolls over on first use
        # usage at which the next threshold warning is due (inf: all sent)
        self.next_alert = THRESHOLDS[0] * budget.limit
        self.attributes = {
            n.LLMLENS_BUDGET_NAME: budget.name,
            n.LLMLENS_BUDGET_UNIT: budget.unit,
            n.LLMLENS_BUDGET_WINDOW: budget.window,
            n.LLMLENS_BUDGET_SCOPE: budget.scope_label,
        }

    def roll(self, now: float) -> None:
        if now >= self.window_end:
            _, self.window_end = window_bounds(self.budget.window, now)
            self.usage = 0.0
            self.next_alert = THRESHOLDS[0] * self.budget.limit

    def crossed(self) -> list[float]:
        """Thresholds crossed since the last call (each once per window)."""
        limit = self.budget.limit
        ratio = self.usage / limit
        crossed = [t for t in THRESHOLDS if t * limit >= self.next_alert and ratio >= t]
        later = [t * limit for t in THRESHOLDS if ratio < t]
        self.next_alert = later[0] if later else float("inf")
        return crossed


Warn = Callable[[Budget, float, float], None]
# the budgets one kind of call falls under (opaque outside this module)
Matched = tuple[_State, ...]


class BudgetTracker:
    """Adds each call's tokens and cost to the budgets it falls under."""

    def __init__(
        self,
        budgets: Iterable[Budget],
        *,
        service_name: str | None = None,
        warn: Warn | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._states = [_State(b) for b in budgets]
        self._clock = clock
        self._warn = warn
        self._lock = threading.Lock()
        # budgets that match every call of this process (all, our own service)
        self._always = tuple(
            s for s in self._states
            if s.budget.scope == "all"
            or (s.budget.scope == "service" and s.budget.value == service_name)
        )
        self._by_key: dict[tuple[str, str], list[_State]] = {}
        # (team, tenant, feature, response model, request model) -> its budgets
        self._matched: dict[tuple[Any, ...], Matched] = {}
        for state in self._states:
            if state.budget.scope in ("team", "tenant", "feature", "model"):
                key = (state.budget.scope, state.budget.value or "")
                self._by_key.setdefault(key, []).append(state)

    def __bool__(self) -> bool:
        return bool(self._states)

    def record(
        self,
        get: Callable[[str], Any],
        models: tuple[str | None, str | None],
        tokens: int,
        usd: float | None,
    ) -> None:
        """One call: a getter of its span attributes (attribution), response
        and request model, input + output tokens, and cost (None: unpriced)."""
        self.add(self.matching(
            get(n.LLMLENS_TEAM), get(n.LLMLENS_TENANT), get(n.LLMLENS_FEATURE), *models,
        ), tokens, usd)

    def matching(
        self, team: Any, tenant: Any, feature: Any,
        response_model: str | None, request_model: str | None,
    ) -> Matched:
        """The budgets a call of this attribution and these models falls under."""
        if not self._by_key:
            return self._always
        key = (team, tenant, feature, response_model, request_model)
        matched = self._matched.get(key)
        if matched is None:
            matched = self._match(key)
            if len(self._matched) >= _MATCH_CACHE_LIMIT:
                self._matched.clear()
            self._matched[key] = matched
        return matched

    def add(self, matched: Matched, tokens: int, usd: float | None) -> None:
        """Add one call's tokens and cost (None: unpriced) to its budgets."""
        if not matched:
            return
        now = self._clock()
        crossings: list[tuple[Budget, float, float]] | None = None
        with self._lock:
            for state in matched:
                amount = usd if state.in_usd else tokens
                if not amount:
                    continue
                if now >= state.window_end:
                    state.roll(now)
                state.usage += amount
                if state.usage >= state.next_alert:
                    if crossings is None:
                        crossings = []
                    crossings.extend((state.budget, t, state.usage) for t in state.crossed())
        if crossings and self._warn is not None:
            for budget, threshold, usage in crossings:
                self._warn(budget, threshold, usage)

    def _match(self, key: tuple[Any, ...]) -> Matched:
        """The budgets of one (team, tenant, feature, response model, request model)."""
        team, tenant, feature, response_model, request_model = key
        matched = list(self._always)
        by_key = self._by_key
        for scope, value in (("team", team), ("tenant", tenant), ("feature", feature)):
            if value is not None:
                matched.extend(by_key.get((scope, value), ()))
        if response_model:
            matched.extend(by_key.get(("model", response_model), ()))
        if request_model and request_model != response_model:
            for state in by_key.get(("model", request_model), ()):
                if state not in matched:
                    matched.append(state)
        return tuple(matched)

    # --- gauges ------------------------------------------------------------------

    def observe_usage(self, _options: CallbackOptions | None = None) -> Iterable[Observation]:
        now = self._clock()
        with self._lock:
            for state in self._states:
                state.roll(now)
            return [Observation(s.usage, s.attributes) for s in self._states]

    def observe_limit(self, _options: CallbackOptions | None = None) -> Iterable[Observation]:
        return [Observation(s.budget.limit, s.attributes) for s in self._states]

    def register_gauges(self, meter: Meter) -> None:
        # no unit: USD and token budgets share the gauges, told apart by llmlens.budget.unit
        meter.create_observable_gauge(
            n.METRIC_BUDGET_USAGE, callbacks=[self.observe_usage],
            description="Usage of the budget in its current window (since process start).",
        )
        meter.create_observable_gauge(
            n.METRIC_BUDGET_LIMIT, callbacks=[self.observe_limit],
            description="Limit of the budget per window.",
        )

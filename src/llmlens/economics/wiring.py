"""Wires cost, attribution and budgets into the distro's providers."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics
from opentelemetry._logs import SeverityNumber, get_logger

from llmlens.economics.attribution import (
    METRIC_ATTRIBUTES_ENV,
    AttributionSpanProcessor,
    metric_attributes_hook,
    parse_metric_keys,
)
from llmlens.economics.budget_spec import BUDGETS_ENV, Budget, load_budgets
from llmlens.economics.budgets import BudgetTracker
from llmlens.economics.cost import CostRecorder
from llmlens.economics.pricing import PRICES_FILE_ENV, PriceBook
from llmlens_semconv import hooks
from llmlens_semconv import names as n

_log = logging.getLogger(__name__)
SCOPE = "llmlens.economics"


@dataclass
class Economics:
    """What :func:`install` set up (tests and the CLI read it)."""

    prices: PriceBook
    cost: CostRecorder
    budgets: BudgetTracker
    attribution: AttributionSpanProcessor
    metric_keys: tuple[str, ...]
    metric_hook: Callable[[], Any]
    tracer_providers: list[Any] = field(default_factory=list)

    def warm_up_hook(self, _request: Any) -> None:
        """Span-start hook: the first GenAI call starts loading the prices."""
        self.prices.warm_up()


_lock = threading.Lock()
_installed: Economics | None = None


def install(
    tracer_provider: Any,
    meter_provider: Any = None,
    logger_provider: Any = None,
    *,
    prices_file: str | None = None,
    budgets: str | None = None,
    metric_attributes: str | None = None,
) -> Economics | None:
    """Add the attribution span processor and the cost/budget hooks.

    Settings default to ``LLMLENS_PRICES_FILE``, ``LLMLENS_BUDGETS`` and
    ``LLMLENS_METRIC_ATTRIBUTES``. Idempotent: a second call only adds the span
    processor to a tracer provider that lacks it. Never raises.
    """
    global _installed
    try:
        with _lock:
            if _installed is None:
                _installed = _build(
                    tracer_provider, meter_provider, logger_provider,
                    prices_file if prices_file is not None else os.environ.get(PRICES_FILE_ENV),
                    budgets if budgets is not None else os.environ.get(BUDGETS_ENV),
                    metric_attributes if metric_attributes is not None
                    else os.environ.get(METRIC_ATTRIBUTES_ENV),
                )
                if _installed.metric_keys:  # else the hook would only cost time
                    hooks.add_metric_attributes_hook(_installed.metric_hook)
                hooks.add_span_ending_hook(_installed.cost.on_span_ending)
                hooks.add_span_start_hook(_installed.warm_up_hook)
                hooks.add_call_ended_hook(_installed.cost.on_call_ended)
            economics = _installed
            if tracer_provider is not None and not any(
                p is tracer_provider for p in economics.tracer_providers
            ):
                tracer_provider.add_span_processor(economics.attribution)
                economics.tracer_providers.append(tracer_provider)
            return economics
    except Exception:  # noqa: BLE001 - telemetry setup never breaks the app
        _log.warning("llmlens: cost, attribution and budgets are off", exc_info=True)
        return None


def uninstall() -> None:
    """Undo :func:`install` (for tests): hooks removed, processors inert."""
    global _installed
    with _lock:
        if _installed is None:
            return
        hooks.remove_hook(_installed.metric_hook)
        hooks.remove_hook(_installed.cost.on_span_ending)
        hooks.remove_hook(_installed.warm_up_hook)
        hooks.remove_hook(_installed.cost.on_call_ended)
        _installed.cost.enabled = False
        _installed.attribution.enabled = False
        _installed = None


def installed() -> Economics | None:
    return _installed


def _build(
    tracer_provider: Any, meter_provider: Any, logger_provider: Any,
    prices_file: str | None, budgets_spec: str | None, metric_spec: str | None,
) -> Economics:
    meter = metrics.get_meter(SCOPE, meter_provider=meter_provider, schema_url=n.SCHEMA_URL)
    try:
        budget_list = load_budgets(budgets_spec)
    except Exception as exc:  # noqa: BLE001 - a bad spec disables budgets, not the rest
        _log.warning("%s: budgets are off: %s", BUDGETS_ENV, exc)
        budget_list = []
    tracker = BudgetTracker(
        budget_list,
        service_name=_service_name(tracer_provider),
        warn=_budget_warning(logger_provider),
    )
    if tracker:
        tracker.register_gauges(meter)
    prices = PriceBook(prices_file or None)
    keys = parse_metric_keys(metric_spec)
    return Economics(
        prices=prices,
        cost=CostRecorder(prices, meter, tracker),
        budgets=tracker,
        attribution=AttributionSpanProcessor(),
        metric_keys=keys,
        metric_hook=metric_attributes_hook(keys),
    )


def _service_name(tracer_provider: Any) -> str | None:
    resource = getattr(tracer_provider, "resource", None)
    attributes = getattr(resource, "attributes", None) or {}
    name = attributes.get("service.name")
    return str(name) if name else None


def _budget_warning(logger_provider: Any) -> Callable[[Budget, float, float], None]:
    logger = get_logger(SCOPE, logger_provider=logger_provider, schema_url=n.SCHEMA_URL)

    def warn(budget: Budget, threshold: float, usage: float) -> None:
        unit = "USD" if budget.unit == "usd" else "tokens"
        body = (
            f"llmlens budget {budget.name} crossed {threshold:.0%} of its limit: "
            f"{usage:,.2f} of {budget.limit:,.2f} {unit} this {budget.window}"
        )
        try:
            logger.emit(
                severity_number=SeverityNumber.WARN,
                severity_text="WARNING",
                body=body,
                attributes={
                    n.LLMLENS_BUDGET_NAME: budget.name,
                    n.LLMLENS_BUDGET_UNIT: budget.unit,
                    n.LLMLENS_BUDGET_WINDOW: budget.window,
                    n.LLMLENS_BUDGET_SCOPE: budget.scope_label,
                    n.LLMLENS_BUDGET_THRESHOLD: threshold,
                },
            )
        except Exception:  # noqa: BLE001 - fail open
            _log.warning("%s", body)

    return warn

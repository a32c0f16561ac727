"""Prices each GenAI call that reports usage: on its span while the span is
still writable, and in the cost counter and budgets (sampled or not).

Runs as the emitter's span-ending hook: the SDK's own ``_on_ending`` span
processor callback runs after the span's attributes turned read-only (checked
with opentelemetry-sdk 1.45), and SDKs before 1.40 have no such callback.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Meter, Observation
from opentelemetry.trace import NonRecordingSpan

from llmlens.economics.budgets import BudgetTracker, Matched
from llmlens.economics.context import current_attribution
from llmlens.economics.pricing import NEVER_NS, PriceBook
from llmlens.economics.rates import Rates
from llmlens.economics.span_attributes import add_span_attributes, attribute_getter
from llmlens_semconv import hooks
from llmlens_semconv import names as n

_log = logging.getLogger(__name__)


_UNPRICED = {n.LLMLENS_COST_UNPRICED: True}


def _cost_of(
    rates: Rates, get: Callable[[str], Any], input_tokens: int, output_tokens: int,
) -> tuple[float, float, float]:
    # a count that is not an int counts 0; checked inline and passed
    # positionally (in the order of Rates.cost): a helper call per count and
    # keywords would double the time of this function
    cache_read = get(n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS)
    cache_write = get(n.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS)
    reasoning = get(n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS)
    audio_input = get(n.GEN_AI_USAGE_AUDIO_INPUT_TOKENS)
    audio_output = get(n.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS)
    image_input = get(n.GEN_AI_USAGE_IMAGE_INPUT_TOKENS)
    return rates.cost(
        input_tokens,
        output_tokens,
        cache_read if type(cache_read) is int else 0,
        cache_write if type(cache_write) is int else 0,
        reasoning if type(reasoning) is int else 0,
        audio_input if type(audio_input) is int else 0,
        audio_output if type(audio_output) is int else 0,
        image_input if type(image_input) is int else 0,
    )


def _record_getter(request: Any, response: Any) -> Callable[[str], Any]:
    """The attributes a call's span would carry, from its records (plus the
    attribution of the current context, for the budgets)."""
    usage = response.usage
    extra = response.extra or {}
    values: dict[str, Any] = dict(current_attribution())
    values.update({
        n.GEN_AI_OPERATION_NAME: request.operation,
        n.GEN_AI_PROVIDER_NAME: request.provider,
        n.GEN_AI_REQUEST_MODEL: request.model,
        n.GEN_AI_RESPONSE_MODEL: response.model,
        n.OPENAI_RESPONSE_SERVICE_TIER: extra.get(n.OPENAI_RESPONSE_SERVICE_TIER),
        n.GEN_AI_USAGE_INPUT_TOKENS: usage.input_tokens,
        n.GEN_AI_USAGE_OUTPUT_TOKENS: usage.output_tokens,
        n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: usage.cache_read_input_tokens,
        n.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: usage.cache_write_input_tokens,
        n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: usage.reasoning_output_tokens,
        n.GEN_AI_USAGE_AUDIO_INPUT_TOKENS: usage.audio_input_tokens,
        n.GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS: usage.audio_output_tokens,
        n.GEN_AI_USAGE_IMAGE_INPUT_TOKENS: usage.image_input_tokens,
    })
    return values.get


# as many attribute sets as the SDK keeps per instrument by default; the rest
# are summed under the SDK's overflow attribute
_MAX_SETS = 2000
_OVERFLOW: frozenset[tuple[str, Any]] = frozenset({("otel.metric.overflow", True)})
AttributeSet = frozenset[tuple[str, Any]]
_KEY_ATTRIBUTES = (
    n.GEN_AI_OPERATION_NAME, n.GEN_AI_PROVIDER_NAME, n.GEN_AI_REQUEST_MODEL,
    n.GEN_AI_RESPONSE_MODEL,
)


class RunningSums:
    """Monotonic sums per attribute set, reported by an observable counter.

    A synchronous counter's ``add`` costs the SDK's whole measurement path
    (attribute cleaning, hashing, aggregation) on every priced call; this
    keeps the same cumulative sums in a dict and hands them to the SDK only
    when the metrics are collected. The exported data is the same monotonic
    sum (delta temporality is derived by the SDK as for any counter).
    """

    __slots__ = ("_lock", "_sums")

    def __init__(self) -> None:
        self._sums: dict[AttributeSet, float] = {}
        self._lock = threading.Lock()

    def admit(
        self, operation: Any, provider: Any, request_model: Any, response_model: Any,
        extra: Iterable[tuple[str, Any]],
    ) -> AttributeSet:
        """The attribute set these calls are summed under (the overflow set
        once the sums hold as many sets as the SDK would)."""
        attributes = {
            name: value
            for name, value in zip(
                _KEY_ATTRIBUTES, (operation, provider, request_model, response_model),
                strict=True)
            if value
        }
        attributes.update(extra)
        attribute_set = frozenset(attributes.items())
        with self._lock:
            if attribute_set not in self._sums:
                if len(self._sums) >= _MAX_SETS:
                    attribute_set = _OVERFLOW
                self._sums.setdefault(attribute_set, 0)
        return attribute_set

    def add(self, amount: float, attribute_set: AttributeSet) -> None:
        with self._lock:
            self._sums[attribute_set] = self._sums.get(attribute_set, 0) + amount

    def observe(self, _options: CallbackOptions) -> Iterable[Observation]:
        with self._lock:
            items = list(self._sums.items())
        return [Observation(total, dict(key)) for key, total in items]


# one pair of sums per meter, as the SDK keeps one counter per meter and
# name: installing again on the same providers goes on counting
_by_meter: weakref.WeakKeyDictionary[Any, tuple[RunningSums, RunningSums]] = (
    weakref.WeakKeyDictionary())


def _sums_of(meter: Meter) -> tuple[RunningSums, RunningSums]:
    try:
        known = _by_meter.get(meter)
    except TypeError:  # a meter that takes no weak reference
        known = None
    if known is not None:
        return known
    cost, unpriced = RunningSums(), RunningSums()
    meter.create_observable_counter(
        n.METRIC_COST, callbacks=[cost.observe], unit=n.UNIT_USD,
        description="Cost of GenAI calls in USD.")
    meter.create_observable_counter(
        n.METRIC_COST_UNPRICED_CALLS, callbacks=[unpriced.observe],
        unit=n.UNIT_CALLS, description="GenAI calls whose model has no known price.")
    try:
        _by_meter[meter] = (cost, unpriced)
    except TypeError:
        pass
    return cost, unpriced


def _hashable(items: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in items)


class _Shape:
    """What every call of one kind shares: its rates (None: unpriced) and until
    when they hold, the counter and attribute set it is summed under, and
    its budgets. Worked out on the first call of the kind."""

    __slots__ = ("attribute_set", "budgets", "rates", "rates_until_ns", "sums")

    def __init__(
        self, rates: Rates | None, rates_until_ns: int, sums: RunningSums,
        attribute_set: AttributeSet, budgets: Matched,
    ) -> None:
        self.rates = rates
        self.rates_until_ns = rates_until_ns
        self.sums = sums
        self.attribute_set = attribute_set
        self.budgets = budgets


# kinds of call remembered; a process with more starts over
_SHAPES_LIMIT = 4096


class CostRecorder:
    """Sets ``llmlens.cost.*`` on the span, counts USD (or an unpriced call)
    and feeds the budgets."""

    def __init__(self, prices: PriceBook, meter: Meter, budgets: BudgetTracker | None) -> None:
        self.prices = prices
        self.budgets = budgets if budgets else None
        self.enabled = True
        self._cost, self._unpriced = _sums_of(meter)
        self._shapes: dict[tuple[Any, ...], _Shape] = {}
        self._failed_once = False

    def on_span_ending(self, span: Any) -> None:
        """Span-ending hook: a recording span, priced from its attributes."""
        if not self.enabled:
            return
        try:
            get = attribute_getter(span)
            if get is not None:
                self._account(get, span)
        except Exception:  # noqa: BLE001 - fail open
            self._failed()

    def on_call_ended(self, call: Any, response: Any, _error_type: str | None) -> None:
        """Call-ended hook: a call whose span was not sampled still costs money,
        so the counters and budgets count it (from the call's records)."""
        if not self.enabled or response is None or response.usage is None:
            return
        # a recording span was priced while it ended; a framework call whose
        # usage a provider call beneath it carries is not priced at all
        if not isinstance(call.span, NonRecordingSpan) or getattr(call, "_delegated", False):
            return
        try:
            self._account(_record_getter(call.request, response), None)
        except Exception:  # noqa: BLE001 - fail open
            self._failed()

    def _failed(self) -> None:
        if not self._failed_once:
            self._failed_once = True
            _log.warning("llmlens: pricing a GenAI call failed", exc_info=True)

    def _account(self, get: Callable[[str], Any], span: Any) -> None:
        """Price one call read through ``get``; set the span's cost attributes
        when there is a span; count the cost and feed the budgets."""
        if get(n.LLMLENS_USAGE_DELEGATED):
            return
        input_tokens = get(n.GEN_AI_USAGE_INPUT_TOKENS)
        output_tokens = get(n.GEN_AI_USAGE_OUTPUT_TOKENS)
        if input_tokens is None and output_tokens is None:
            return
        extra = hooks.metric_attributes()
        kind = (
            get(n.GEN_AI_OPERATION_NAME), get(n.GEN_AI_PROVIDER_NAME),
            get(n.GEN_AI_REQUEST_MODEL), get(n.GEN_AI_RESPONSE_MODEL),
            get(n.OPENAI_RESPONSE_SERVICE_TIER),
            tuple(extra.items()) if extra else (),
            # what budgets match on besides the models
            get(n.LLMLENS_TEAM), get(n.LLMLENS_TENANT), get(n.LLMLENS_FEATURE),
        )
        try:
            shape = self._shapes.get(kind)
        except TypeError:  # a list among the metric attributes: summed under its tuple
            kind = (*kind[:5], _hashable(kind[5]), *kind[6:])
            shape = self._shapes.get(kind)
        if shape is None or (
            shape.rates_until_ns != NEVER_NS and self.prices.clock() >= shape.rates_until_ns
        ):
            shape = self._shape_of(kind)

        if type(input_tokens) is not int:  # e.g. a float from a user's own attributes
            input_tokens = 0
        if type(output_tokens) is not int:
            output_tokens = 0
        rates = shape.rates
        if rates is None:
            if span is not None:
                add_span_attributes(span, _UNPRICED)
            shape.sums.add(1, shape.attribute_set)
            usd = None
        else:
            input_usd, output_usd, usd = _cost_of(rates, get, input_tokens, output_tokens)
            if span is not None:
                add_span_attributes(span, {
                    n.LLMLENS_COST_USD: usd,
                    n.LLMLENS_COST_INPUT_USD: input_usd,
                    n.LLMLENS_COST_OUTPUT_USD: output_usd,
                })
            shape.sums.add(usd, shape.attribute_set)
        if shape.budgets:
            self.budgets.add(shape.budgets, input_tokens + output_tokens, usd)  # type: ignore[union-attr]

    def _shape_of(self, kind: tuple[Any, ...]) -> _Shape:
        operation, provider, request_model, response_model, service_tier, extra, *attribution = kind
        price, until = None, NEVER_NS
        if response_model:
            price, until = self.prices.price_until(provider, response_model, service_tier)
        if price is None and request_model and request_model != response_model:
            price, fallback_until = self.prices.price_until(provider, request_model, service_tier)
            until = min(until, fallback_until)
        sums = self._unpriced if price is None else self._cost
        shape = _Shape(
            None if price is None else price.rates, until, sums,
            sums.admit(operation, provider, request_model, response_model, extra),
            self.budgets.matching(*attribution, response_model, request_model)
            if self.budgets is not None else (),
        )
        if len(self._shapes) >= _SHAPES_LIMIT:
            self._shapes.clear()
        self._shapes[kind] = shape
        return shape

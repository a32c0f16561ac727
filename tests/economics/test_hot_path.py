"""The per-span fast paths give what the plain ones would: cached attribution
follows every change of baggage and attribute(), attributes written straight
into the span keep the SDK's limits, and cached keys count the same sums."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from economics_helpers import make_call
from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import SpanLimits, TracerProvider

from llmlens.economics import attribute, context, cost, current_attribution
from llmlens.economics.budget_spec import parse_inline
from llmlens.economics.budgets import BudgetTracker
from llmlens.economics.cost import RunningSums
from llmlens.economics.span_attributes import add_span_attributes
from llmlens_semconv import Usage, hooks
from llmlens_semconv import names as n

USAGE = Usage(input_tokens=100, output_tokens=10)


def call_in(ctx: otel_context.Context, emitter) -> None:
    token = otel_context.attach(ctx)
    try:
        make_call(emitter, "gpt-4o", USAGE)
    finally:
        otel_context.detach(token)


def test_a_new_baggage_in_a_new_context_gives_new_attribution(install, emitter, telemetry):
    install()
    with attribute(feature="answer"):
        base = otel_context.get_current()
        for team in ("a", "b", "a"):
            call_in(baggage.set_baggage(n.LLMLENS_TEAM, team, base), emitter)
        call_in(baggage.remove_baggage(n.LLMLENS_TEAM, base), emitter)

    teams = [s.attributes.get(n.LLMLENS_TEAM) for s in telemetry.spans()]
    assert teams == ["a", "b", "a", None]
    assert all(s.attributes[n.LLMLENS_FEATURE] == "answer" for s in telemetry.spans())
    calls = {p.attributes.get(n.LLMLENS_TEAM): p.value
             for p in telemetry.metric_points(n.METRIC_COST)}
    one = telemetry.spans()[0].attributes[n.LLMLENS_COST_USD]
    assert calls == pytest.approx({"a": 2 * one, "b": one, None: one})


def test_attribute_values_change_under_the_same_baggage(install, emitter, telemetry):
    install()
    ctx = baggage.set_baggage(n.USER_ID, "u-1")
    token = otel_context.attach(ctx)
    try:
        for team in ("a", "b"):
            with attribute(team=team):
                make_call(emitter, "gpt-4o", USAGE)
        make_call(emitter, "gpt-4o", USAGE)
    finally:
        otel_context.detach(token)
    assert [(s.attributes[n.USER_ID], s.attributes.get(n.LLMLENS_TEAM))
            for s in telemetry.spans()] == [("u-1", "a"), ("u-1", "b"), ("u-1", None)]


def test_attribution_stays_right_when_its_cache_overflows(monkeypatch):
    monkeypatch.setattr(context, "_CACHE_LIMIT", 2)
    for round_ in range(3):
        for user in ("u-1", "u-2", "u-3"):
            ctx = baggage.set_baggage(n.USER_ID, f"{user}-{round_}")
            assert current_attribution(ctx) == {n.USER_ID: f"{user}-{round_}"}
    assert len(context._cache) <= 2


def test_current_attribution_cannot_change_the_cached_answer():
    ctx = baggage.set_baggage(n.USER_ID, "u-1")
    with pytest.raises(TypeError):
        current_attribution(ctx)[n.USER_ID] = "someone else"  # type: ignore[index]
    assert current_attribution(ctx) == {n.USER_ID: "u-1"}


def span_with(limits: SpanLimits, attributes: dict[str, object]):
    return TracerProvider(span_limits=limits).get_tracer("t").start_span("s", attributes=attributes)


def test_attributes_written_straight_keep_the_value_length_limit():
    span = span_with(SpanLimits(max_span_attribute_length=4), {})
    add_span_attributes(span, {n.USER_ID: "u-123456", n.LLMLENS_COST_USD: 0.5})
    assert dict(span.attributes) == {n.USER_ID: "u-12", n.LLMLENS_COST_USD: 0.5}


def test_attributes_written_straight_keep_the_count_limit():
    span = span_with(SpanLimits(max_span_attributes=3), {"a": 1, "b": 2})
    add_span_attributes(span, {"c": 3, "d": 4})
    assert dict(span.attributes) == {"b": 2, "c": 3, "d": 4}
    assert span.dropped_attributes == 1


def test_attributes_written_straight_within_limits():
    span = span_with(SpanLimits(max_span_attributes=4, max_span_attribute_length=8), {"a": 1})
    add_span_attributes(span, {n.USER_ID: "u-1", n.LLMLENS_COST_USD: 0.5, "flag": True})
    assert dict(span.attributes) == {"a": 1, n.USER_ID: "u-1", n.LLMLENS_COST_USD: 0.5,
                                     "flag": True}


def test_no_attributes_are_added_to_an_ended_span():
    span = span_with(SpanLimits(), {"a": 1})
    span.end()
    add_span_attributes(span, {"b": 2})
    assert dict(span.attributes) == {"a": 1}


def test_running_sums_count_one_attribute_set_once_whatever_the_key_order():
    sums = RunningSums()
    first = sums.admit("chat", "openai", "gpt-4o", None, (("x", "1"), ("y", "2")))
    second = sums.admit("chat", "openai", "gpt-4o", None, (("y", "2"), ("x", "1")))
    sums.add(1.0, first)
    sums.add(2.0, second)
    sums.add(4.0, sums.admit("chat", "openai", "gpt-4o", "", ()))
    observed = {frozenset(o.attributes.items()): o.value for o in sums.observe(None)}
    base = {n.GEN_AI_OPERATION_NAME: "chat", n.GEN_AI_PROVIDER_NAME: "openai",
            n.GEN_AI_REQUEST_MODEL: "gpt-4o"}
    assert observed == {
        frozenset({**base, "x": "1", "y": "2"}.items()): 3.0,
        frozenset(base.items()): 4.0,
    }


def test_running_sums_overflow_beyond_the_sdks_attribute_set_limit(monkeypatch):
    monkeypatch.setattr(cost, "_MAX_SETS", 2)
    sums = RunningSums()
    for model in ("a", "b", "c", "d", "a"):
        sums.add(1, sums.admit("chat", "openai", model, None, ()))
    observed = {o.attributes.get(n.GEN_AI_REQUEST_MODEL, "overflow"): o.value
                for o in sums.observe(None)}
    assert observed == {"a": 2, "b": 1, "overflow": 2}


def test_budget_matching_follows_each_calls_attribution_and_models():
    tracker = BudgetTracker(parse_inline(
        "team:a=1M tokens/day; tenant:t=1M tokens/day; model:m=1M tokens/day"))
    calls = [
        ({n.LLMLENS_TEAM: "a"}, ("x", "x"), 1),
        ({n.LLMLENS_TEAM: "b"}, ("x", "x"), 10),
        ({n.LLMLENS_TEAM: "a", n.LLMLENS_TENANT: "t"}, ("m", "x"), 100),
        ({n.LLMLENS_TEAM: "a"}, ("x", "m"), 1000),
        ({n.LLMLENS_TEAM: "a"}, ("m", "m"), 10000),
    ]
    for attributes, models, tokens in calls:
        tracker.record(attributes.get, models, tokens, None)
    usage = {o.attributes[n.LLMLENS_BUDGET_SCOPE]: o.value for o in tracker.observe_usage()}
    assert usage == {"team:a": 11101, "tenant:t": 100, "model:m": 11100}


def test_every_usage_detail_is_priced_at_its_own_rate(tmp_path, install, emitter, telemetry):
    # distinct powers of ten: a detail read into the wrong field shows in the sum
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "models:\n  every-detail-1: {input: 1, output: 2, cached_input: 10, cache_write: 100,"
        " audio_input: 1000, image_input: 10000, reasoning: 100000, audio_output: 1000000}\n")
    install(prices_file=str(prices))
    make_call(emitter, "every-detail-1", Usage(
        input_tokens=1_000_015, cache_read_input_tokens=1, cache_write_input_tokens=2,
        audio_input_tokens=4, image_input_tokens=8,
        output_tokens=2_000_048, reasoning_output_tokens=16, audio_output_tokens=32))
    attributes = telemetry.span().attributes
    assert attributes[n.LLMLENS_COST_INPUT_USD] == pytest.approx(
        (1_000_000 * 1 + 1 * 10 + 2 * 100 + 4 * 1000 + 8 * 10000) / 1e6)
    assert attributes[n.LLMLENS_COST_OUTPUT_USD] == pytest.approx(
        (2_000_000 * 2 + 16 * 100000 + 32 * 1000000) / 1e6)


def at(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=timezone.utc).timestamp() * 1e9)


def test_a_price_that_changes_on_a_date_applies_from_that_date(
    tmp_path, install, emitter, telemetry,
):
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "models:\n  dated-1:\n"
        "    - {effective: 2026-01-01, input: 1, output: 1}\n"
        "    - {effective: 2026-07-01, input: 2, output: 2}\n")
    economics = install(prices_file=str(prices))
    now = [at("2026-06-30T23:59:59")]
    economics.prices.clock = lambda: now[0]
    million = Usage(input_tokens=1_000_000, output_tokens=0)
    make_call(emitter, "dated-1", million)
    make_call(emitter, "dated-1", million)
    now[0] = at("2026-07-01T00:00:00")
    make_call(emitter, "dated-1", million)
    assert [s.attributes[n.LLMLENS_COST_USD] for s in telemetry.spans()] == [1.0, 1.0, 2.0]
    [point] = telemetry.metric_points(n.METRIC_COST)
    assert point.value == pytest.approx(4.0)


def test_budgets_follow_the_attribution_of_each_call(install, emitter, telemetry):
    economics = install(budgets="team:a=1M tokens/day; model:gpt-4o=1M tokens/day")
    for team in ("a", "b", "a", None):
        with attribute(team=team):
            make_call(emitter, "gpt-4o", USAGE)
    usage = {o.attributes[n.LLMLENS_BUDGET_SCOPE]: o.value
             for o in economics.budgets.observe_usage()}
    assert usage == {"team:a": 220, "model:gpt-4o": 440}


def test_a_list_among_the_metric_attributes_still_prices_and_counts(install, emitter, telemetry):
    install()

    def regions() -> dict[str, object]:
        return {"app.regions": ["eu", "us"]}

    hooks.add_metric_attributes_hook(regions)
    try:
        make_call(emitter, "gpt-4o", USAGE)
        make_call(emitter, "gpt-4o", USAGE)
    finally:
        hooks.remove_hook(regions)
    usd = telemetry.spans()[0].attributes[n.LLMLENS_COST_USD]
    [point] = telemetry.metric_points(n.METRIC_COST)
    assert point.value == pytest.approx(2 * usd)
    assert tuple(point.attributes["app.regions"]) == ("eu", "us")


def test_attribution_without_the_apis_baggage_key_reads_baggage_uncached(monkeypatch):
    monkeypatch.setattr(context, "_BAGGAGE_KEY", None)
    monkeypatch.setattr(context, "_cache", {})
    ctx = baggage.set_baggage(n.LLMLENS_TEAM, "a")
    assert current_attribution(ctx) == {n.LLMLENS_TEAM: "a"}
    assert current_attribution(baggage.set_baggage(n.LLMLENS_TEAM, "b", ctx)) == {
        n.LLMLENS_TEAM: "b"}
    assert context._cache == {}

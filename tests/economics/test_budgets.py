"""Budgets: the spec, the gauges, and one warning per threshold per window."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from economics_helpers import make_call
from opentelemetry._logs import SeverityNumber

from llmlens.economics import attribute
from llmlens.economics.budget_spec import Budget, BudgetSpecError, load_budgets, parse_inline
from llmlens.economics.budgets import BudgetTracker, window_bounds
from llmlens_semconv import Usage
from llmlens_semconv import names as n

MILLION_IN = Usage(input_tokens=1_000_000, output_tokens=0)  # gpt-4o-mini: $0.15


def warnings_of(telemetry):
    return [r for r in telemetry.logs() if r.severity_number == SeverityNumber.WARN]


def gauge(telemetry, metric: str, name: str) -> float:
    values = [p.value for p in telemetry.metric_points(metric)
              if p.attributes[n.LLMLENS_BUDGET_NAME] == name]
    assert len(values) == 1, (metric, name, values)
    return values[0]


def test_inline_spec():
    budgets = parse_inline(
        "team:search=500usd/month; tenant:acme = 10M tokens/day\n"
        "model:gpt-4o=2.5k tok/hour;all=$1000 usd/month;daily@service:chatbot=20usd/day")
    assert budgets == [
        Budget("team:search/usd/month", "team", "search", "usd", 500.0, "month"),
        Budget("tenant:acme/tokens/day", "tenant", "acme", "tokens", 10e6, "day"),
        Budget("model:gpt-4o/tokens/hour", "model", "gpt-4o", "tokens", 2500.0, "hour"),
        Budget("all/usd/month", "all", None, "usd", 1000.0, "month"),
        Budget("daily", "service", "chatbot", "usd", 20.0, "day"),
    ]


@pytest.mark.parametrize(
    "spec",
    ["team=5usd/day", "team:a=5usd/week", "team:a=5eur/day", "planet:x=5usd/day",
     "team:a=-5usd/day", "team:a=fiveusd/day", "team:a=5usd/day;team:a=6usd/day"],
)
def test_invalid_inline_spec_is_rejected(spec):
    with pytest.raises(BudgetSpecError):
        parse_inline(spec)


def test_budget_file_yaml_and_json(tmp_path):
    yaml_file = tmp_path / "budgets.yaml"
    yaml_file.write_text(
        "budgets:\n"
        "  - {name: search-monthly, team: search, limit: 500, unit: usd, window: month}\n"
        "  - 'model:gpt-4o=2M tokens/day'\n"
        "  - {all: true, limit: 1e6, unit: tokens, window: hour}\n")
    json_file = tmp_path / "budgets.json"
    json_file.write_text('[{"tenant": "acme", "limit": 5, "unit": "usd", "window": "day"}]')

    assert [b.name for b in load_budgets(str(yaml_file))] == [
        "search-monthly", "model:gpt-4o/tokens/day", "all/tokens/hour"]
    assert load_budgets(str(json_file)) == [
        Budget("tenant:acme/usd/day", "tenant", "acme", "usd", 5.0, "day")]


def test_window_bounds_are_calendar_windows_in_utc():
    moment = datetime(2026, 12, 31, 23, 59, 30, tzinfo=timezone.utc).timestamp()
    start, end = window_bounds("month", moment)
    assert datetime.fromtimestamp(start, timezone.utc) == datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert datetime.fromtimestamp(end, timezone.utc) == datetime(2027, 1, 1, tzinfo=timezone.utc)
    start, end = window_bounds("hour", moment)
    assert (start, end) == (moment - 30 - 59 * 60, moment + 30)
    start, end = window_bounds("day", moment)
    assert end == datetime(2027, 1, 1, tzinfo=timezone.utc).timestamp()


def test_usd_budget_warns_once_at_80_and_once_at_100_percent(install, emitter, telemetry):
    # $1 per team per day; each call costs $0.15 with gpt-4o-mini
    install(budgets="team:search=1usd/day")
    with attribute(team="search"):
        for _ in range(5):  # $0.75
            make_call(emitter, "gpt-4o-mini", MILLION_IN)
        assert warnings_of(telemetry) == []
        make_call(emitter, "gpt-4o-mini", MILLION_IN)  # $0.90: crosses 80%
        assert len(warnings_of(telemetry)) == 1
        make_call(emitter, "gpt-4o-mini", MILLION_IN)  # $1.05: crosses 100%
        for _ in range(5):  # well past 100%: nothing new
            make_call(emitter, "gpt-4o-mini", MILLION_IN)
    with attribute(team="other"):
        make_call(emitter, "gpt-4o-mini", MILLION_IN)

    records = warnings_of(telemetry)
    assert [r.attributes[n.LLMLENS_BUDGET_THRESHOLD] for r in records] == [0.8, 1.0]
    for record in records:
        assert record.attributes[n.LLMLENS_BUDGET_NAME] == "team:search/usd/day"
        assert record.attributes[n.LLMLENS_BUDGET_SCOPE] == "team:search"
        assert record.attributes[n.LLMLENS_BUDGET_UNIT] == "usd"
        assert record.attributes[n.LLMLENS_BUDGET_WINDOW] == "day"
        assert "team:search/usd/day" in str(record.body)
    usage = gauge(telemetry, n.METRIC_BUDGET_USAGE, "team:search/usd/day")
    assert usage == pytest.approx(12 * 0.15)
    assert gauge(telemetry, n.METRIC_BUDGET_LIMIT, "team:search/usd/day") == 1.0


def test_token_budget_per_model_and_gauge_attributes(install, emitter, telemetry):
    install(budgets="model:gpt-4o=1000tokens/hour")
    make_call(emitter, "gpt-4o", Usage(input_tokens=600, output_tokens=100))
    make_call(emitter, "gpt-4o-mini", Usage(input_tokens=600, output_tokens=200))  # not this model
    assert warnings_of(telemetry) == []
    make_call(emitter, "gpt-4o", Usage(input_tokens=150, output_tokens=0))  # 850: 85%

    [record] = warnings_of(telemetry)
    assert record.attributes[n.LLMLENS_BUDGET_THRESHOLD] == 0.8
    [usage] = telemetry.metric_points(n.METRIC_BUDGET_USAGE)
    assert usage.value == 850
    assert dict(usage.attributes) == {
        n.LLMLENS_BUDGET_NAME: "model:gpt-4o/tokens/hour",
        n.LLMLENS_BUDGET_UNIT: "tokens",
        n.LLMLENS_BUDGET_WINDOW: "hour",
        n.LLMLENS_BUDGET_SCOPE: "model:gpt-4o",
    }


def test_unpriced_calls_count_for_token_budgets_not_usd_budgets(install, emitter, telemetry):
    install(budgets="all=100tokens/day; all-usd@all=1usd/day")
    make_call(emitter, "acme-llm-9000", Usage(input_tokens=90, output_tokens=0))
    assert gauge(telemetry, n.METRIC_BUDGET_USAGE, "all/tokens/day") == 90
    assert gauge(telemetry, n.METRIC_BUDGET_USAGE, "all-usd") == 0
    assert [r.attributes[n.LLMLENS_BUDGET_NAME] for r in warnings_of(telemetry)] == [
        "all/tokens/day"]


def test_service_budget_matches_this_process_service_name(telemetry):
    tracker = BudgetTracker(
        parse_inline("service:chatbot=10tokens/day; service:other=10tokens/day"),
        service_name="chatbot")
    tracker.record({}.get, (None, "m"), 9, None)
    usage = {o.attributes[n.LLMLENS_BUDGET_NAME]: o.value for o in tracker.observe_usage()}
    assert usage == {"service:chatbot/tokens/day": 9, "service:other/tokens/day": 0}


def test_a_new_window_starts_from_zero_and_warns_again():
    now = [datetime(2026, 3, 1, 10, 0, tzinfo=timezone.utc).timestamp()]
    crossed: list[tuple[str, float]] = []
    tracker = BudgetTracker(
        parse_inline("team:a=100tokens/hour"), clock=lambda: now[0],
        warn=lambda budget, threshold, usage: crossed.append((budget.name, threshold)))

    tracker.record({n.LLMLENS_TEAM: "a"}.get, (None, None), 100, None)
    tracker.record({n.LLMLENS_TEAM: "a"}.get, (None, None), 100, None)
    assert crossed == [("team:a/tokens/hour", 0.8), ("team:a/tokens/hour", 1.0)]

    now[0] += 3600  # next hour
    assert [o.value for o in tracker.observe_usage()] == [0]
    tracker.record({n.LLMLENS_TEAM: "a"}.get, (None, None), 85, None)
    assert crossed[2:] == [("team:a/tokens/hour", 0.8)]
    assert [o.value for o in tracker.observe_usage()] == [85]


def test_a_bad_budget_spec_disables_budgets_only(install, emitter, telemetry, caplog):
    install(budgets="team:search=lots/day")
    make_call(emitter, "gpt-4o-mini", MILLION_IN)
    assert telemetry.span().attributes[n.LLMLENS_COST_USD] == pytest.approx(0.15)
    assert telemetry.metric_points(n.METRIC_BUDGET_USAGE) == []
    assert "LLMLENS_BUDGETS" in caplog.text

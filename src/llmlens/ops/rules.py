"""Prometheus recording and alert rules for LLM operations.

SLOs (edit the objectives here, or override the recorded thresholds):
- availability: 99% of GenAI calls succeed (error budget 1%);
- latency: 95% of GenAI calls finish within ``LATENCY_OBJECTIVE_BUCKET``
  seconds (a bucket boundary of the duration histogram).
Burn-rate alerts follow the multi-window pattern: a fast burn (14.4x over 1h
and 5m) pages, a slow burn (6x over 6h and 30m) opens a ticket.
"""

from __future__ import annotations

from typing import Any

from llmlens.ops import promnames as p

AVAILABILITY_OBJECTIVE = 0.99
LATENCY_OBJECTIVE = 0.95
LATENCY_OBJECTIVE_BUCKET = "10.24"
TTFT_DEGRADATION_FACTOR = 1.5
TTFT_FLOOR_SECONDS = 1.0
COST_SPIKE_FACTOR = 2.0
COST_SPIKE_MIN_USD = 1.0
RUNBOOKS = "docs/runbooks.md"

BY = f"{p.SERVICE}, {p.PROVIDER}, {p.MODEL}"
WINDOWS = ("5m", "30m", "1h", "6h")


def rec(name: str, window: str) -> str:
    return f"llmlens:{name}:rate{window}"


def recording_rules() -> dict[str, Any]:
    rules: list[dict[str, Any]] = []
    for w in WINDOWS:
        rules += [
            {"record": rec("gen_ai_requests", w),
             "expr": f"sum by ({BY}) (rate({p.DURATION.count}[{w}]))"},
            {"record": rec("gen_ai_errors", w),
             "expr": f'sum by ({BY}) (rate({p.DURATION.count}{{{p.ERROR_TYPE}!=""}}[{w}]))'},
            {"record": rec("gen_ai_error_ratio", w),
             "expr": f"{rec('gen_ai_errors', w)} / {rec('gen_ai_requests', w)}"},
            {"record": rec("gen_ai_slow_ratio", w),
             "expr": (f"1 - (sum by ({BY}) (rate({p.DURATION.bucket}"
                      f'{{le="{LATENCY_OBJECTIVE_BUCKET}"}}[{w}]))'
                      f" / {rec('gen_ai_requests', w)})")},
        ]
    rules += [
        {"record": "llmlens:gen_ai_latency_seconds:p95_5m",
         "expr": f"histogram_quantile(0.95, sum by (le, {BY}) (rate({p.DURATION.bucket}[5m])))"},
        {"record": "llmlens:gen_ai_latency_seconds:p99_5m",
         "expr": f"histogram_quantile(0.99, sum by (le, {BY}) (rate({p.DURATION.bucket}[5m])))"},
        {"record": "llmlens:gen_ai_ttft_seconds:p95_5m",
         "expr": f"histogram_quantile(0.95, sum by (le, {BY}) (rate({p.TTFC.bucket}[5m])))"},
        {"record": "llmlens:gen_ai_tokens:rate5m",
         "expr": f"sum by ({BY}, {p.TOKEN_TYPE}) (rate({p.TOKENS.sum}[5m]))"},
        {"record": "llmlens:cost_usd:increase1h",
         "expr": f"sum by ({BY}, {p.TEAM}) (increase({p.COST.total}[1h]))"},
        {"record": "llmlens:budget_used:ratio",
         "expr": f"{p.BUDGET_USAGE.name} / {p.BUDGET_LIMIT.name}"},
    ]
    return {"groups": [{"name": "llmlens-recording", "interval": "30s", "rules": rules}]}


def _alert(name: str, expr: str, severity: str, summary: str, description: str,
           for_: str | None = None) -> dict[str, Any]:
    rule: dict[str, Any] = {"alert": name, "expr": expr}
    if for_:
        rule["for"] = for_
    rule["labels"] = {"severity": severity}
    rule["annotations"] = {
        "summary": summary,
        "description": description,
        "runbook_url": f"{RUNBOOKS}#{name.lower()}",
    }
    return rule


def _burn(ratio: str, budget: float, factor: float, long: str, short: str) -> str:
    limit = round(factor * budget, 6)
    return (f"({rec(ratio, long)} > {limit}) and ({rec(ratio, short)} > {limit})")


def _budget_ratio(unit: str) -> str:
    return (f'{p.BUDGET_USAGE.name}{{{p.BUDGET_UNIT}="{unit}"}} / '
            f'{p.BUDGET_LIMIT.name}{{{p.BUDGET_UNIT}="{unit}"}}')


def alert_rules() -> dict[str, Any]:
    error_budget = round(1 - AVAILABILITY_OBJECTIVE, 6)
    latency_budget = round(1 - LATENCY_OBJECTIVE, 6)
    ttft = "llmlens:gen_ai_ttft_seconds:p95_5m"
    cost_now = f"sum by ({p.SERVICE}) (increase({p.COST.total}[1h]))"
    cost_last_week = f"sum by ({p.SERVICE}) (increase({p.COST.total}[1h] offset 1w))"
    alerts = [
        _alert("LLMErrorBudgetFastBurn",
               _burn("gen_ai_error_ratio", error_budget, 14.4, "1h", "5m"), "page",
               "{{ $labels.gen_ai_request_model }} calls from {{ $labels.job }} burn the "
               "error budget 14x too fast",
               f"Error ratio over 1h and 5m is above {14.4 * error_budget:.3f} "
               f"(SLO {AVAILABILITY_OBJECTIVE:.0%})."),
        _alert("LLMErrorBudgetSlowBurn",
               _burn("gen_ai_error_ratio", error_budget, 6, "6h", "30m"), "ticket",
               "{{ $labels.gen_ai_request_model }} calls from {{ $labels.job }} burn the "
               "error budget 6x too fast",
               f"Error ratio over 6h and 30m is above {6 * error_budget:.3f}."),
        _alert("LLMLatencyBudgetFastBurn",
               _burn("gen_ai_slow_ratio", latency_budget, 14.4, "1h", "5m"), "page",
               "Too many slow {{ $labels.gen_ai_request_model }} calls from {{ $labels.job }}",
               f"More than {14.4 * latency_budget:.0%} of calls over 1h and 5m took longer "
               f"than {LATENCY_OBJECTIVE_BUCKET}s (SLO {LATENCY_OBJECTIVE:.0%})."),
        _alert("LLMLatencyBudgetSlowBurn",
               _burn("gen_ai_slow_ratio", latency_budget, 6, "6h", "30m"), "ticket",
               "Slow {{ $labels.gen_ai_request_model }} calls from {{ $labels.job }} eat the "
               "latency budget",
               f"More than {6 * latency_budget:.0%} of calls over 6h and 30m took longer "
               f"than {LATENCY_OBJECTIVE_BUCKET}s."),
        _alert("LLMLatencyP99High",
               f"llmlens:gen_ai_latency_seconds:p99_5m > {LATENCY_OBJECTIVE_BUCKET}", "ticket",
               "p99 latency of {{ $labels.gen_ai_request_model }} is {{ $value | humanize }}s",
               f"p99 latency above the {LATENCY_OBJECTIVE_BUCKET}s objective for 15 minutes.",
               for_="15m"),
        _alert("LLMTimeToFirstTokenDegraded",
               f"({ttft} > {TTFT_DEGRADATION_FACTOR} * ({ttft} offset 1d)) "
               f"and ({ttft} > {TTFT_FLOOR_SECONDS})", "ticket",
               "Time to first token of {{ $labels.gen_ai_request_model }} degraded",
               f"p95 time to first chunk is over {TTFT_DEGRADATION_FACTOR}x its value a day "
               f"ago and above {TTFT_FLOOR_SECONDS}s.", for_="15m"),
        _alert("LLMCostSpike",
               f"({cost_now} > {COST_SPIKE_FACTOR} * {cost_last_week}) "
               f"and ({cost_now} > {COST_SPIKE_MIN_USD})", "ticket",
               "{{ $labels.job }} spends {{ $value | humanize }} USD/h, over twice the same "
               "hour last week",
               "Spend over the last hour is more than twice the same hour a week ago."),
        _alert("LLMTokenBudgetWarning", f"{_budget_ratio('tokens')} >= 0.8 < 1", "ticket",
               "Token budget {{ $labels.llmlens_budget_name }} is "
               "{{ $value | humanizePercentage }} used",
               "A token budget crossed 80% of its limit in the current window."),
        _alert("LLMTokenBudgetExhausted", f"{_budget_ratio('tokens')} >= 1", "page",
               "Token budget {{ $labels.llmlens_budget_name }} is exhausted",
               "A token budget reached 100% of its limit in the current window."),
        _alert("LLMCostBudgetWarning", f"{_budget_ratio('usd')} >= 0.8 < 1", "ticket",
               "USD budget {{ $labels.llmlens_budget_name }} is "
               "{{ $value | humanizePercentage }} used",
               "A USD budget crossed 80% of its limit in the current window."),
        _alert("LLMCostBudgetExhausted", f"{_budget_ratio('usd')} >= 1", "page",
               "USD budget {{ $labels.llmlens_budget_name }} is exhausted",
               "A USD budget reached 100% of its limit in the current window."),
        _alert("LLMUnpricedModel",
               f"sum by ({p.SERVICE}, {p.PROVIDER}, {p.MODEL}) "
               f"(increase({p.UNPRICED.total}[30m])) > 0", "ticket",
               "{{ $labels.gen_ai_request_model }} calls from {{ $labels.job }} have no price",
               "Calls to a model llmlens cannot price: its cost is missing from every cost "
               "panel. Add it to LLMLENS_PRICES_FILE."),
        _alert("LLMTelemetryMissing",
               f"(count by ({p.SERVICE}) ({p.DURATION.count} offset 1h)) unless "
               f"(count by ({p.SERVICE}) ({p.DURATION.count}))", "ticket",
               "No GenAI telemetry from {{ $labels.job }} for 15 minutes",
               "The service reported GenAI metrics an hour ago and reports none now: the "
               "app, its exporter or the collector pipeline is down.", for_="15m"),
    ]
    return {"groups": [{"name": "llmlens-alerts", "rules": alerts}]}

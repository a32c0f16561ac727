"""Grafana dashboards for LLM operations, built from the semconv metric names.

Every dashboard has a Prometheus datasource variable and ``service``,
``model``, ``provider`` and ``team`` variables; latency panels show
exemplars, and a Tempo datasource variable makes traces one click away.
"""

from __future__ import annotations

from typing import Any

from llmlens.ops import promnames as p

SCHEMA_VERSION = 39
RATE = "$__rate_interval"
FAILED = f'{p.ERROR_TYPE}!=""'
OUTPUT_TOKENS = f'{p.TOKEN_TYPE}="output"'
INPUT_TOKENS = f'{p.TOKEN_TYPE}="input"'
FILTER = (f'{p.SERVICE}=~"$service", {p.MODEL}=~"$model", {p.PROVIDER}=~"$provider", '
          f'{p.TEAM}=~"$team"')


def sel(metric: str, extra: str = "") -> str:
    """A selector honouring the dashboard variables."""
    return f"{metric}{{{FILTER}{', ' + extra if extra else ''}}}"


def _variables() -> list[dict[str, Any]]:
    def query_var(name: str, label: str, title: str) -> dict[str, Any]:
        return {
            "name": name, "label": title, "type": "query",
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "query": {"query": f"label_values({p.DURATION.count}, {label})",
                      "refId": f"{name}-values"},
            "definition": f"label_values({p.DURATION.count}, {label})",
            "includeAll": True, "multi": True, "allValue": ".*",
            "current": {"text": "All", "value": "$__all"}, "refresh": 2, "sort": 1,
        }

    return [
        {"name": "datasource", "label": "Prometheus", "type": "datasource",
         "query": "prometheus", "current": {}, "refresh": 1},
        {"name": "tempo", "label": "Traces", "type": "datasource", "query": "tempo",
         "current": {}, "refresh": 1},
        query_var("service", p.SERVICE, "Service"),
        query_var("model", p.MODEL, "Model"),
        query_var("provider", p.PROVIDER, "Provider"),
        query_var("team", p.TEAM, "Team"),
    ]


class Board:
    """Lays panels out on Grafana's 24-column grid, two or three a row."""

    def __init__(self, uid: str, title: str, description: str) -> None:
        self.uid, self.title, self.description = uid, title, description
        self.panels: list[dict[str, Any]] = []
        self._x = 0
        self._y = 0

    def row(self, title: str) -> None:
        if self._x:
            self._x, self._y = 0, self._y + 8
        self.panels.append({"type": "row", "title": title, "collapsed": False,
                            "id": len(self.panels) + 1,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self._y}})
        self._y += 1

    def panel(self, title: str, targets: list[tuple[str, str]], *, unit: str = "short",
              kind: str = "timeseries", width: int = 12, exemplars: bool = False,
              description: str = "") -> None:
        if self._x + width > 24:
            self._x, self._y = 0, self._y + 8
        panel: dict[str, Any] = {
            "id": len(self.panels) + 1, "type": kind, "title": title,
            "description": description,
            "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "gridPos": {"h": 8, "w": width, "x": self._x, "y": self._y},
            "fieldConfig": {"defaults": {"unit": unit, "links": [{
                "title": "Traces of this service in Tempo",
                "url": ('/explore?left={"datasource":"${tempo}","queries":[{"queryType":'
                        '"traceqlSearch","query":"{resource.service.name=~\\"${service:regex}'
                        '\\"}"}]}'),
            }]}, "overrides": []},
            "options": {"legend": {"displayMode": "table", "placement": "bottom",
                                   "calcs": ["mean", "max"]},
                        "tooltip": {"mode": "multi"}},
            "targets": [
                {"refId": chr(ord("A") + i), "expr": expr, "legendFormat": legend,
                 "datasource": {"type": "prometheus", "uid": "${datasource}"},
                 "exemplar": exemplars, "range": kind != "table",
                 "instant": kind == "table", **({"format": "table"} if kind == "table" else {})}
                for i, (expr, legend) in enumerate(targets)
            ],
        }
        self.panels.append(panel)
        self._x += width

    def json(self) -> dict[str, Any]:
        return {
            "uid": self.uid, "title": self.title, "description": self.description,
            "tags": ["llmlens", "genai"], "timezone": "browser", "editable": True,
            "schemaVersion": SCHEMA_VERSION, "version": 1, "refresh": "30s",
            "time": {"from": "now-6h", "to": "now"}, "graphTooltip": 1,
            "templating": {"list": _variables()},
            "annotations": {"list": [{
                "name": "Alerts", "enable": True, "iconColor": "red",
                "datasource": {"type": "prometheus", "uid": "${datasource}"},
                "expr": 'ALERTS{alertname=~"LLM.*", alertstate="firing"}',
                "titleFormat": "{{alertname}}", "textFormat": "{{summary}}"}]},
            "links": [{"title": "llmlens dashboards", "type": "dashboards", "tags": ["llmlens"],
                       "asDropdown": True}],
            "panels": self.panels,
        }


def _quantiles(metric: Any, by: str) -> list[tuple[str, str]]:
    return [(f"histogram_quantile({q}, sum by (le, {by}) (rate({sel(metric.bucket)}[{RATE}])))",
             f"p{round(q * 100)} {{{{{by}}}}}") for q in (0.5, 0.95, 0.99)]


def performance() -> dict[str, Any]:
    b = Board("llmlens-performance", "LLM performance",
              "Requests, errors, latency, time to first token and throughput by model.")
    b.row("Traffic")
    b.panel("Requests per second by model",
            [(f"sum by ({p.MODEL}) (rate({sel(p.DURATION.count)}[{RATE}]))", f"{{{{{p.MODEL}}}}}")],
            unit="reqps", width=8)
    b.panel("Error rate",
            [(f"sum(rate({sel(p.DURATION.count, FAILED)}"
              f"[{RATE}])) / sum(rate({sel(p.DURATION.count)}[{RATE}]))", "error ratio")],
            unit="percentunit", width=8)
    b.panel("In flight (mean concurrency: arrival rate x latency)",
            [(f"sum by ({p.MODEL}) (rate({sel(p.DURATION.sum)}[{RATE}]))", f"{{{{{p.MODEL}}}}}")],
            width=8)
    b.row("Latency")
    b.panel("Latency p50 / p95 / p99 by model", _quantiles(p.DURATION, p.MODEL), unit="s",
            exemplars=True)
    b.panel("Time to first token p50 / p95 / p99 by model", _quantiles(p.TTFC, p.MODEL),
            unit="s", exemplars=True)
    b.panel("Time per output chunk p95 by model",
            [(f"histogram_quantile(0.95, sum by (le, {p.MODEL}) "
              f"(rate({sel(p.PER_CHUNK.bucket)}[{RATE}])))", f"{{{{{p.MODEL}}}}}")], unit="s")
    b.row("Throughput")
    b.panel("Tokens per second by type",
            [(f"sum by ({p.TOKEN_TYPE}) (rate({sel(p.TOKENS.sum)}[{RATE}]))",
              f"{{{{{p.TOKEN_TYPE}}}}}")], unit="short")
    return b.json()


def cost() -> dict[str, Any]:
    b = Board("llmlens-cost", "LLM cost", "Spend by model, team and tenant; budgets.")
    b.row("Spend")
    b.panel("Spend per hour by model (USD)",
            [(f"sum by ({p.MODEL}) (increase({sel(p.COST.total)}[1h]))", f"{{{{{p.MODEL}}}}}")],
            unit="currencyUSD")
    b.panel("Spend per day by team (USD)",
            [(f"sum by ({p.TEAM}) (increase({sel(p.COST.total)}[1d]))", f"{{{{{p.TEAM}}}}}")],
            unit="currencyUSD")
    b.panel("Spend per day by tenant (USD)",
            [(f"sum by ({p.TENANT}) (increase({sel(p.COST.total)}[1d]))",
              f"{{{{{p.TENANT}}}}}")], unit="currencyUSD")
    b.panel("Cost per 1k tokens by model (USD)",
            [(f"1000 * sum by ({p.MODEL}) (rate({sel(p.COST.total)}[{RATE}])) / "
              f"sum by ({p.MODEL}) (rate({sel(p.TOKENS.sum)}[{RATE}]))", f"{{{{{p.MODEL}}}}}")],
            unit="currencyUSD")
    b.row("Budgets and pricing")
    b.panel("Budget used (current window)",
            [(f"{p.BUDGET_USAGE.name} / {p.BUDGET_LIMIT.name}",
              f"{{{{{p.BUDGET_NAME}}}}} ({{{{{p.BUDGET_UNIT}}}}})")], unit="percentunit",
            kind="bargauge")
    b.panel("Unpriced calls by model (not in any cost panel)",
            [(f"sum by ({p.MODEL}) (increase({sel(p.UNPRICED.total)}[1h]))",
              f"{{{{{p.MODEL}}}}}")])
    return b.json()


def model_comparison() -> dict[str, Any]:
    b = Board("llmlens-models", "LLM model comparison",
              "Latency, cost, errors and token efficiency of each model side by side.")
    per_model = f"sum by ({p.MODEL})"
    b.row("Side by side")
    b.panel("Models", [
        (f"histogram_quantile(0.95, sum by (le, {p.MODEL}) (rate({sel(p.DURATION.bucket)}[1h])))",
         "p95 latency (s)"),
        (f"{per_model} (increase({sel(p.COST.total)}[1h])) / "
         f"{per_model} (increase({sel(p.DURATION.count)}[1h]))", "USD per call"),
        (f"{per_model} (rate({sel(p.DURATION.count, FAILED)}[1h])) "
         f"/ {per_model} (rate({sel(p.DURATION.count)}[1h]))", "error ratio"),
        (f"{per_model} (rate({sel(p.TOKENS.sum, OUTPUT_TOKENS)}"
         f"[1h])) / {per_model} (rate({sel(p.DURATION.count)}[1h]))", "output tokens per call"),
    ], kind="table", width=24)
    b.row("Over time")
    b.panel("p95 latency by model", _quantiles(p.DURATION, p.MODEL)[1:2], unit="s",
            exemplars=True, width=8)
    b.panel("USD per call by model",
            [(f"{per_model} (rate({sel(p.COST.total)}[{RATE}])) / "
              f"{per_model} (rate({sel(p.DURATION.count)}[{RATE}]))", f"{{{{{p.MODEL}}}}}")],
            unit="currencyUSD", width=8)
    b.panel("Output tokens per input token by model",
            [(f"{per_model} (rate({sel(p.TOKENS.sum, OUTPUT_TOKENS)}[{RATE}])) / "
              f"{per_model} (rate({sel(p.TOKENS.sum, INPUT_TOKENS)}[{RATE}]))",
              f"{{{{{p.MODEL}}}}}")], width=8)
    return b.json()


def errors() -> dict[str, Any]:
    b = Board("llmlens-errors", "LLM errors",
              "Failures by error type, provider and model; rate limits and retryable errors.")
    b.row("Failures")
    b.panel("Errors per second by error.type",
            [(f"sum by ({p.ERROR_TYPE}) (rate({sel(p.DURATION.count, FAILED)}[{RATE}]))",
              f"{{{{{p.ERROR_TYPE}}}}}")], unit="reqps", width=8)
    b.panel("Errors per second by provider",
            [(f"sum by ({p.PROVIDER}) (rate({sel(p.DURATION.count, FAILED)}[{RATE}]))",
              f"{{{{{p.PROVIDER}}}}}")], unit="reqps", width=8)
    b.panel("Error ratio by model",
            [(f"sum by ({p.MODEL}) (rate({sel(p.DURATION.count, FAILED)}[{RATE}])) / "
              f"sum by ({p.MODEL}) (rate({sel(p.DURATION.count)}[{RATE}]))",
              f"{{{{{p.MODEL}}}}}")], unit="percentunit", width=8)
    b.row("Rate limits and retryable errors")
    rate_limited = (p.ERROR_TYPE + '=~"RateLimitError|rate_limit_error|429"')
    retryable = (p.ERROR_TYPE + '=~"RateLimitError|rate_limit_error|429|InternalServerError|'
                 'APIConnectionError|APITimeoutError|OverloadedError|overloaded_error|'
                 'api_error|5.."')
    b.panel("Rate-limited calls per second",
            [(f"sum by ({p.PROVIDER}, {p.MODEL}) (rate({sel(p.DURATION.count, rate_limited)}"
              f"[{RATE}]))", f"{{{{{p.PROVIDER}}}}} {{{{{p.MODEL}}}}}")], unit="reqps")
    b.panel("Retryable errors per second (429, 5xx, overloaded, timeouts)",
            [(f"sum by ({p.ERROR_TYPE}) (rate({sel(p.DURATION.count, retryable)}[{RATE}]))",
              f"{{{{{p.ERROR_TYPE}}}}}")], unit="reqps")
    return b.json()


def rag_agents() -> dict[str, Any]:
    b = Board("llmlens-rag-agents", "RAG and agents",
              "Where a pipeline spends its time: steps by span type, tools and agents.")
    b.row("Steps")
    b.panel("Step latency p95 by operation",
            [(f"histogram_quantile(0.95, sum by (le, {p.OPERATION}) "
              f"(rate({sel(p.DURATION.bucket)}[{RATE}])))", f"{{{{{p.OPERATION}}}}}")],
            unit="s", exemplars=True)
    b.panel("Time spent per second by operation (latency breakdown)",
            [(f"sum by ({p.OPERATION}) (rate({sel(p.DURATION.sum)}[{RATE}]))",
              f"{{{{{p.OPERATION}}}}}")], unit="s")
    b.row("Tools and agents")
    tool_filter = f'{p.SERVICE}=~"$service"'
    b.panel("Tool latency p95 by tool",
            [(f"histogram_quantile(0.95, sum by (le, {p.TOOL}) "
              f"(rate({p.TOOL_DURATION.bucket}{{{tool_filter}}}[{RATE}])))",
              f"{{{{{p.TOOL}}}}}")], unit="s", width=8)
    b.panel("Tool error ratio by tool",
            [(f'sum by ({p.TOOL}) (rate({p.TOOL_DURATION.count}{{{tool_filter}, '
              f'{p.ERROR_TYPE}!=""}}[{RATE}])) / sum by ({p.TOOL}) '
              f"(rate({p.TOOL_DURATION.count}{{{tool_filter}}}[{RATE}]))",
              f"{{{{{p.TOOL}}}}}")], unit="percentunit", width=8)
    b.panel("Agent invocation latency p95 by agent",
            [(f"histogram_quantile(0.95, sum by (le, {p.AGENT}) "
              f"(rate({p.AGENT_DURATION.bucket}{{{tool_filter}}}[{RATE}])))",
              f"{{{{{p.AGENT}}}}}")], unit="s", width=8)
    b.row("Quality")
    b.panel("Mean evaluation score by evaluation",
            [(f"sum by ({p.EVALUATION}) (rate({p.EVALUATION_SCORE.sum}[{RATE}])) / "
              f"sum by ({p.EVALUATION}) (rate({p.EVALUATION_SCORE.count}[{RATE}]))",
              f"{{{{{p.EVALUATION}}}}}")], width=24)
    return b.json()


DASHBOARDS = {
    "llmlens-performance.json": performance,
    "llmlens-cost.json": cost,
    "llmlens-model-comparison.json": model_comparison,
    "llmlens-errors.json": errors,
    "llmlens-rag-agents.json": rag_agents,
}

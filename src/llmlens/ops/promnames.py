"""GenAI metric names as Prometheus spells them.

OTLP metrics reach Prometheus through a translation (the Collector's
Prometheus exporters, or the Python Prometheus exporter): dots become
underscores, the unit becomes a suffix (``s`` → ``_seconds``; annotations in
braces such as ``{token}`` are dropped), counters get ``_total`` and
histograms ``_bucket``/``_sum``/``_count``. Every dashboard and rule takes its
names from here, and here from the semconv module, so a rename upstream
breaks a test rather than a dashboard.
"""

from __future__ import annotations

import re

from llmlens_semconv import names as n

_UNIT_SUFFIXES = {"s": "seconds", "ms": "milliseconds", "By": "bytes", "1": "", n.UNIT_USD: "USD"}
_INVALID = re.compile(r"[^a-zA-Z0-9_:]")


def unit_suffix(unit: str) -> str:
    unit = re.sub(r"\{[^}]*\}", "", unit)
    return _UNIT_SUFFIXES.get(unit, _INVALID.sub("_", unit).strip("_"))


def base_name(metric: str, unit: str) -> str:
    name = _INVALID.sub("_", metric)
    suffix = unit_suffix(unit)
    if suffix and not name.endswith("_" + suffix):
        name = f"{name}_{suffix}"
    return name


def label(attribute: str) -> str:
    """An attribute key as a Prometheus label."""
    return _INVALID.sub("_", attribute)


class Histogram:
    def __init__(self, metric: str, unit: str) -> None:
        self.otel_name = metric
        self.name = base_name(metric, unit)
        self.bucket = self.name + "_bucket"
        self.sum = self.name + "_sum"
        self.count = self.name + "_count"


class Counter:
    def __init__(self, metric: str, unit: str) -> None:
        self.otel_name = metric
        self.total = base_name(metric, unit) + "_total"


class Gauge:
    def __init__(self, metric: str, unit: str = "") -> None:
        self.otel_name = metric
        self.name = base_name(metric, unit)


DURATION = Histogram(n.METRIC_OPERATION_DURATION, n.UNIT_SECONDS)
TOKENS = Histogram(n.METRIC_TOKEN_USAGE, n.UNIT_TOKENS)
TTFC = Histogram(n.METRIC_TIME_TO_FIRST_CHUNK, n.UNIT_SECONDS)
PER_CHUNK = Histogram(n.METRIC_TIME_PER_OUTPUT_CHUNK, n.UNIT_SECONDS)
TOOL_DURATION = Histogram(n.METRIC_EXECUTE_TOOL_DURATION, n.UNIT_SECONDS)
AGENT_DURATION = Histogram(n.METRIC_INVOKE_AGENT_DURATION, n.UNIT_SECONDS)
WORKFLOW_DURATION = Histogram(n.METRIC_WORKFLOW_DURATION, n.UNIT_SECONDS)
EVALUATION_SCORE = Histogram(n.METRIC_EVALUATION_SCORE, "1")
COST = Counter(n.METRIC_COST, n.UNIT_USD)
UNPRICED = Counter(n.METRIC_COST_UNPRICED_CALLS, n.UNIT_CALLS)
BUDGET_USAGE = Gauge(n.METRIC_BUDGET_USAGE)
BUDGET_LIMIT = Gauge(n.METRIC_BUDGET_LIMIT)

# labels
SERVICE = "job"  # service.name, as the Collector's Prometheus exporters map it
MODEL = label(n.GEN_AI_REQUEST_MODEL)
RESPONSE_MODEL = label(n.GEN_AI_RESPONSE_MODEL)
PROVIDER = label(n.GEN_AI_PROVIDER_NAME)
OPERATION = label(n.GEN_AI_OPERATION_NAME)
ERROR_TYPE = label(n.ERROR_TYPE)
TOKEN_TYPE = label(n.GEN_AI_TOKEN_TYPE)
TOOL = label(n.GEN_AI_TOOL_NAME)
AGENT = label(n.GEN_AI_AGENT_NAME)
TEAM = label(n.LLMLENS_TEAM)
TENANT = label(n.LLMLENS_TENANT)
EVALUATION = label(n.GEN_AI_EVALUATION_NAME)
BUDGET_NAME = label(n.LLMLENS_BUDGET_NAME)
BUDGET_UNIT = label(n.LLMLENS_BUDGET_UNIT)

ALL_SERIES = (
    DURATION.bucket, DURATION.sum, DURATION.count, TOKENS.bucket, TOKENS.sum, TOKENS.count,
    TTFC.bucket, TTFC.sum, TTFC.count, PER_CHUNK.bucket, PER_CHUNK.count,
    TOOL_DURATION.bucket, TOOL_DURATION.count, AGENT_DURATION.bucket, AGENT_DURATION.count,
    WORKFLOW_DURATION.bucket, WORKFLOW_DURATION.count, EVALUATION_SCORE.sum,
    EVALUATION_SCORE.count, COST.total, UNPRICED.total, BUDGET_USAGE.name, BUDGET_LIMIT.name,
)

"""``llmlens report FILE``: a summary of a JSON-lines span file.

Calls, errors, p50/p95/p99 latency and time to first token, tokens and cost,
grouped by model and by any attribute the user names (``--by user.id``).

Counting rules, so nothing is counted twice:
- a *call* is a span of a model operation (chat, text_completion,
  generate_content, embeddings) that does not hand its usage to a provider
  span beneath it (``llmlens.usage.delegated``);
- tokens and cost come only from spans carrying ``gen_ai.usage.*``, and from
  such a span only when no span beneath it carries usage too (an agent span
  that sums its steps does not add to the steps).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from llmlens_semconv import names as n

MODEL_CALL_OPERATIONS = n.INFERENCE_OPERATIONS | {n.OP_EMBEDDINGS}
MODEL_KEY = "model"
NONE_LABEL = "(none)"
_USAGE_PREFIX = "gen_ai.usage."


def load_spans(path: str) -> tuple[list[dict[str, Any]], int]:
    """The spans of a JSON-lines file and the number of unreadable lines."""
    spans: list[dict[str, Any]] = []
    bad = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                bad += 1
                continue
            if isinstance(record, dict) and "span_id" in record:
                spans.append(record)
            else:
                bad += 1
    return spans, bad


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Group:
    key: str
    calls: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds
    ttfts: list[float] = field(default_factory=list)  # seconds
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cost_usd: float = 0.0
    priced: int = 0
    unpriced: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "calls": self.calls,
            "errors": self.errors,
            "latency_s": {f"p{q}": percentile(self.latencies, q) for q in (50, 95, 99)},
            "ttft_s": {f"p{q}": percentile(self.ttfts, q) for q in (50, 95, 99)},
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "cache_read_input_tokens": self.cache_read_tokens,
            "cost_usd": self.cost_usd if self.priced else None,
            "unpriced_calls": self.unpriced,
        }


class SpanIndex:
    """Parent/child links of the spans in a file, to look up attributes on
    ancestors and to find usage beneath a span."""

    def __init__(self, spans: Iterable[dict[str, Any]]) -> None:
        self.spans = list(spans)
        self._by_id = {(s.get("trace_id"), s.get("span_id")): s for s in self.spans}
        self._usage_below: set[tuple[Any, Any]] = set()
        for span in self.spans:
            if has_usage(span):
                for ancestor in self.ancestors(span):
                    self._usage_below.add((ancestor.get("trace_id"), ancestor.get("span_id")))

    def parent(self, span: dict[str, Any]) -> dict[str, Any] | None:
        parent_id = span.get("parent_span_id")
        return self._by_id.get((span.get("trace_id"), parent_id)) if parent_id else None

    def ancestors(self, span: dict[str, Any]) -> Iterable[dict[str, Any]]:
        seen = set()
        current = self.parent(span)
        while current is not None and id(current) not in seen:
            seen.add(id(current))
            yield current
            current = self.parent(current)

    def usage_below(self, span: dict[str, Any]) -> bool:
        return (span.get("trace_id"), span.get("span_id")) in self._usage_below

    def lookup(self, span: dict[str, Any], attribute: str) -> Any:
        """The attribute on the span, else its nearest ancestor, else the resource."""
        for candidate in (span, *self.ancestors(span)):
            value = (candidate.get("attributes") or {}).get(attribute)
            if value is not None:
                return value
        return (span.get("resource") or {}).get(attribute)


def has_usage(span: dict[str, Any]) -> bool:
    return any(key.startswith(_USAGE_PREFIX) for key in (span.get("attributes") or {}))


def is_call(span: dict[str, Any]) -> bool:
    attrs = span.get("attributes") or {}
    return (attrs.get(n.GEN_AI_OPERATION_NAME) in MODEL_CALL_OPERATIONS
            and not attrs.get(n.LLMLENS_USAGE_DELEGATED))


def model_of(span: dict[str, Any]) -> str | None:
    attrs = span.get("attributes") or {}
    return attrs.get(n.GEN_AI_REQUEST_MODEL) or attrs.get(n.GEN_AI_RESPONSE_MODEL)


def _key(index: SpanIndex, span: dict[str, Any], by: str) -> str:
    value = model_of(span) if by == MODEL_KEY else index.lookup(span, by)
    if value is None or value == "":
        return NONE_LABEL
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def summarize(spans: Sequence[dict[str, Any]], by: str = MODEL_KEY) -> list[Group]:
    """Groups sorted by cost, then calls (largest first); a total comes last."""
    index = SpanIndex(spans)
    groups: dict[str, Group] = {}
    total = Group("total")
    for span in index.spans:
        counts_call = is_call(span)
        counts_usage = has_usage(span) and not index.usage_below(span)
        if not counts_call and not counts_usage:
            continue
        key = _key(index, span, by)
        group = groups.setdefault(key, Group(key))
        for target in (group, total):
            if counts_call:
                _add_call(target, span)
            if counts_usage:
                _add_usage(target, span)
    ordered = sorted(groups.values(), key=lambda g: (-g.cost_usd, -g.calls, g.key))
    return [*ordered, total]


def _add_call(group: Group, span: dict[str, Any]) -> None:
    attrs = span.get("attributes") or {}
    group.calls += 1
    if (span.get("status") or {}).get("code") == "ERROR":
        group.errors += 1
    start, end = span.get("start_time_unix_nano"), span.get("end_time_unix_nano")
    if isinstance(start, int) and isinstance(end, int) and end >= start:
        group.latencies.append((end - start) / 1e9)
    ttft = attrs.get(n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
    if isinstance(ttft, (int, float)):
        group.ttfts.append(float(ttft))


def _add_usage(group: Group, span: dict[str, Any]) -> None:
    attrs = span.get("attributes") or {}
    group.input_tokens += _int(attrs.get(n.GEN_AI_USAGE_INPUT_TOKENS))
    group.output_tokens += _int(attrs.get(n.GEN_AI_USAGE_OUTPUT_TOKENS))
    group.cache_read_tokens += _int(attrs.get(n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS))
    cost = attrs.get(n.LLMLENS_COST_USD)
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        group.cost_usd += float(cost)
        group.priced += 1
    else:
        group.unpriced += 1


def _int(value: Any) -> int:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


# --- rendering -------------------------------------------------------------------

_COLUMNS = ("calls", "errors", "p50", "p95", "p99", "ttft p50", "ttft p95",
            "tokens in", "tokens out", "cost")


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 1:
        return f"{value:.2f}s"
    return f"{value * 1000:.0f}ms" if value >= 0.01 else f"{value * 1000:.2f}ms"


def _cost(group: Group) -> str:
    if not group.priced:
        return "unpriced" if group.unpriced else "-"
    text = f"${group.cost_usd:,.2f}" if group.cost_usd >= 1 else f"${group.cost_usd:.6f}"
    return text + (f" (+{group.unpriced} unpriced)" if group.unpriced else "")


def _row(group: Group) -> list[str]:
    return [
        group.key, str(group.calls), str(group.errors),
        _seconds(percentile(group.latencies, 50)), _seconds(percentile(group.latencies, 95)),
        _seconds(percentile(group.latencies, 99)),
        _seconds(percentile(group.ttfts, 50)), _seconds(percentile(group.ttfts, 95)),
        f"{group.input_tokens:,}", f"{group.output_tokens:,}", _cost(group),
    ]


def render_table(by: str, groups: Sequence[Group]) -> str:
    header = [f"by {by}", *_COLUMNS]
    rows = [header, *(_row(g) for g in groups)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: list[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(widths[i]) for i, cell in enumerate(row) if i > 0]
        return "  ".join(cells).rstrip()

    out = [line(header), line(["-" * w for w in widths])]
    out += [line(row) for row in rows[1:-1]]
    out += [line(["-" * w for w in widths]), line(rows[-1])]
    return "\n".join(out)


def build_report(path: str, by: Sequence[str] = ()) -> dict[str, Any]:
    spans, bad = load_spans(path)
    keys = [MODEL_KEY, *[b for b in by if b != MODEL_KEY]]
    return {
        "file": path,
        "spans": len(spans),
        "unreadable_lines": bad,
        "traces": len({s.get("trace_id") for s in spans}),
        "groupings": {key: summarize(spans, key) for key in keys},
    }


def render_report(report: dict[str, Any]) -> str:
    total = report["groupings"][MODEL_KEY][-1]
    lines = [
        f"llmlens report: {report['file']}",
        f"{total.calls} call{'' if total.calls == 1 else 's'}, "
        f"{total.errors} error{'' if total.errors == 1 else 's'} "
        f"in {report['traces']} traces "
        f"({report['spans']} spans)",
    ]
    if report["unreadable_lines"]:
        lines.append(f"skipped {report['unreadable_lines']} unreadable lines")
    for by, groups in report["groupings"].items():
        lines += ["", render_table(by, groups)]
    return "\n".join(lines)


def report_as_json(report: dict[str, Any]) -> str:
    data = dict(report)
    data["groupings"] = {
        by: [g.as_dict() for g in groups] for by, groups in report["groupings"].items()}
    return json.dumps(data, indent=2)


def add_arguments(parser: Any) -> None:
    parser.add_argument("file", help="a JSON-lines span file (OTEL_TRACES_EXPORTER=llmlens_jsonl)")
    parser.add_argument("--by", action="append", default=[], metavar="ATTR",
                        help="also group by this span or resource attribute (repeatable), "
                             "e.g. --by user.id --by llmlens.team")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def run(args: Any) -> int:
    import sys

    try:
        report = build_report(args.file, args.by)
    except OSError as exc:
        print(f"llmlens report: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    print(report_as_json(report) if args.json else render_report(report))
    return 0

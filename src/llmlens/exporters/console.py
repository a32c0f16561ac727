"""Console exporter printing one readable tree per trace.

Spans are held until the root span of their trace ends, then the trace is
printed as a tree: span name, duration, model, tokens in/out, cost, time to
first token and errors. Output goes to stderr (``LLMLENS_CONSOLE_STREAM=stdout``
to change it) so an app's own stdout stays clean.
"""

from __future__ import annotations

import os
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import IO

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import StatusCode

from llmlens_semconv import names as n

STREAM_VARIABLE = "LLMLENS_CONSOLE_STREAM"
MAX_PENDING_TRACES = 256
MAX_PENDING_SPANS = 10_000
_PRINTED_MEMORY = 1024

_UNICODE_BRANCHES = ("├─ ", "└─ ", "│  ", "   ")
_ASCII_BRANCHES = ("|- ", "`- ", "|  ", "   ")


def format_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms" if seconds >= 0.001 else f"{seconds * 1000:.2f} ms"
    return f"{seconds:.2f} s"


def format_usd(amount: float) -> str:
    return f"${amount:.4f}" if abs(amount) >= 0.01 else f"${amount:.6f}"


def describe(span: ReadableSpan) -> str:
    """One line for a span: name, duration, then what an LLM operator reads."""
    attrs = span.attributes or {}
    parts = [span.name]
    if span.end_time and span.start_time:
        parts.append(format_duration((span.end_time - span.start_time) / 1e9))
    response_model = attrs.get(n.GEN_AI_RESPONSE_MODEL)
    if response_model and response_model not in span.name:
        parts.append(f"model {response_model}")
    input_tokens = attrs.get(n.GEN_AI_USAGE_INPUT_TOKENS)
    output_tokens = attrs.get(n.GEN_AI_USAGE_OUTPUT_TOKENS)
    if input_tokens is not None or output_tokens is not None:
        shown_in = "?" if input_tokens is None else input_tokens
        shown_out = "?" if output_tokens is None else output_tokens
        cached = attrs.get(n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS)
        cached_note = f" ({cached} cached)" if cached else ""
        parts.append(f"tokens {shown_in} in{cached_note} / {shown_out} out")
    elif attrs.get(n.LLMLENS_USAGE_DELEGATED):
        parts.append("tokens counted below")
    cost = attrs.get(n.LLMLENS_COST_USD)
    if isinstance(cost, (int, float)):
        parts.append(format_usd(float(cost)))
    elif attrs.get(n.LLMLENS_COST_UNPRICED):
        parts.append("cost unpriced")
    ttft = attrs.get(n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK)
    if isinstance(ttft, (int, float)):
        parts.append(f"ttft {format_duration(float(ttft))}")
    if span.status.status_code is StatusCode.ERROR:
        error = attrs.get(n.ERROR_TYPE) or "error"
        detail = f"ERROR {error}"
        description = span.status.description or ""
        for prefix in (f"{error}: ", f"{str(error).rsplit('.', 1)[-1]}: "):
            if description.startswith(prefix):
                description = description[len(prefix):]
                break
        if description:
            detail += f": {description}"
        parts.append(detail)
    return " · ".join(parts)


def render_trace(spans: Sequence[ReadableSpan], *, unicode: bool = True) -> str:
    """The tree of one trace's spans (spans whose parent is missing are roots)."""
    branches = _UNICODE_BRANCHES if unicode else _ASCII_BRANCHES
    separator = " · " if unicode else " | "
    by_id = {span.context.span_id: span for span in spans}
    children: dict[int | None, list[ReadableSpan]] = {}
    for span in spans:
        parent_id = span.parent.span_id if span.parent is not None else None
        key = parent_id if parent_id in by_id else None
        children.setdefault(key, []).append(span)
    for group in children.values():
        group.sort(key=lambda s: s.start_time or 0)

    first = spans[0]
    service = (first.resource.attributes.get("service.name") if first.resource else None)
    header = f"trace {first.context.trace_id:032x}"
    if service:
        header += f" ({service})"
    lines = [header]

    def walk(span: ReadableSpan, prefix: str, last: bool) -> None:
        line = describe(span)
        if not unicode:
            line = line.replace(" · ", separator)
        lines.append(prefix + (branches[1] if last else branches[0]) + line)
        below = children.get(span.context.span_id, [])
        for index, child in enumerate(below):
            walk(child, prefix + (branches[3] if last else branches[2]), index == len(below) - 1)

    roots = children.get(None, [])
    for index, root in enumerate(roots):
        walk(root, "", index == len(roots) - 1)
    return "\n".join(lines)


class ConsoleTreeSpanExporter(SpanExporter):
    """Prints each finished trace as a tree."""

    def __init__(self, out: IO[str] | None = None) -> None:
        self._out = out
        self._pending: OrderedDict[int, list[ReadableSpan]] = OrderedDict()
        self._pending_spans = 0
        self._printed: OrderedDict[int, None] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def out(self) -> IO[str]:
        if self._out is not None:
            return self._out
        choice = os.environ.get(STREAM_VARIABLE, "stderr").strip().lower()
        return sys.stdout if choice == "stdout" else sys.stderr

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            ready: list[list[ReadableSpan]] = []
            with self._lock:
                for span in spans:
                    ready.extend(self._add(span))
                ready.extend(self._evict_if_full())
            for trace_spans in ready:
                self._print(trace_spans)
            return SpanExportResult.SUCCESS
        except Exception:  # noqa: BLE001 - printing must not break the SDK's worker
            return SpanExportResult.FAILURE

    def _add(self, span: ReadableSpan) -> list[list[ReadableSpan]]:
        trace_id = span.context.trace_id
        is_root = span.parent is None or span.parent.is_remote
        if trace_id in self._printed and not is_root:
            return [[span]]  # a late child of a trace already printed
        self._pending.setdefault(trace_id, []).append(span)
        self._pending_spans += 1
        if not is_root:
            return []
        finished = self._pending.pop(trace_id)
        self._pending_spans -= len(finished)
        self._printed[trace_id] = None
        while len(self._printed) > _PRINTED_MEMORY:
            self._printed.popitem(last=False)
        return [finished]

    def _evict_if_full(self) -> list[list[ReadableSpan]]:
        evicted = []
        while self._pending and (
            len(self._pending) > MAX_PENDING_TRACES or self._pending_spans > MAX_PENDING_SPANS
        ):
            _, spans = self._pending.popitem(last=False)
            self._pending_spans -= len(spans)
            evicted.append(spans)
        return evicted

    def _print(self, spans: list[ReadableSpan]) -> None:
        out = self.out
        unicode = _can_encode(out, "└─·")
        out.write(render_trace(spans, unicode=unicode) + "\n")
        out.flush()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def shutdown(self) -> None:
        """Print traces whose root never ended (e.g. the process is exiting)."""
        with self._lock:
            leftovers = list(self._pending.values())
            self._pending.clear()
            self._pending_spans = 0
        for spans in leftovers:
            try:
                self._print(spans)
            except Exception:  # noqa: BLE001
                pass


def _can_encode(stream: IO[str], sample: str) -> bool:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        sample.encode(encoding)
        return True
    except (UnicodeEncodeError, LookupError):
        return False

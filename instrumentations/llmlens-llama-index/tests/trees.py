"""Reading exported spans as trees."""

from __future__ import annotations

from opentelemetry.sdk.trace import ReadableSpan


def by_name(spans: list[ReadableSpan], prefix: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name.startswith(prefix)]


def one(spans: list[ReadableSpan], prefix: str) -> ReadableSpan:
    found = by_name(spans, prefix)
    assert len(found) == 1, f"expected one {prefix!r}, got {[s.name for s in spans]}"
    return found[0]


def parent_of(spans: list[ReadableSpan], span: ReadableSpan) -> ReadableSpan | None:
    if span.parent is None:
        return None
    for candidate in spans:
        if candidate.context.span_id == span.parent.span_id:
            return candidate
    return None


def is_child(spans: list[ReadableSpan], child: ReadableSpan, parent: ReadableSpan) -> bool:
    found = parent_of(spans, child)
    return found is not None and found.context.span_id == parent.context.span_id


def roots(spans: list[ReadableSpan]) -> list[ReadableSpan]:
    ids = {s.context.span_id for s in spans}
    return [s for s in spans if s.parent is None or s.parent.span_id not in ids]


def trace_ids(spans: list[ReadableSpan]) -> set[int]:
    return {s.context.trace_id for s in spans}

"""Reading what an instrumented example exported: span records and their tree."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

Span = dict[str, Any]


def load_jsonl(path: Path) -> list[Span]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


_CONSOLE_SPAN_START = re.compile(r'^\{\n\s+"name":', re.MULTILINE)


def parse_console(output: str) -> list[Span]:
    """Spans printed by the SDK's plain console exporter, in the JSON-lines record shape."""
    decoder = json.JSONDecoder()
    spans = []
    for match in _CONSOLE_SPAN_START.finditer(output):
        raw, _ = decoder.raw_decode(output, match.start())
        parent = raw.get("parent_id")
        spans.append(
            {
                "name": raw["name"],
                "trace_id": raw["context"]["trace_id"].removeprefix("0x"),
                "span_id": raw["context"]["span_id"].removeprefix("0x"),
                "parent_span_id": parent.removeprefix("0x") if parent else None,
                "kind": raw["kind"].removeprefix("SpanKind."),
                "attributes": raw.get("attributes") or {},
                "status": {"code": raw.get("status", {}).get("status_code", "UNSET")},
            }
        )
    return spans


class SpanTree:
    def __init__(self, spans: Iterable[Span]) -> None:
        self.spans = list(spans)
        self._by_id = {span["span_id"]: span for span in self.spans}

    def parent(self, span: Span) -> Span | None:
        return self._by_id.get(span.get("parent_span_id") or "")

    def ancestors(self, span: Span) -> list[Span]:
        chain = []
        current = self.parent(span)
        while current is not None:
            chain.append(current)
            current = self.parent(current)
        return chain

    def roots(self) -> list[Span]:
        return [span for span in self.spans if self.parent(span) is None]

    def descendants(self, root: Span) -> list[Span]:
        return [span for span in self.spans if root in self.ancestors(span)]

    def in_trace(self, span: Span) -> list[Span]:
        return [other for other in self.spans if other["trace_id"] == span["trace_id"]]


def operation(span: Span) -> str | None:
    return span["attributes"].get("gen_ai.operation.name")


def with_operation(spans: Iterable[Span], name: str) -> list[Span]:
    return [span for span in spans if operation(span) == name]


def outermost(tree: SpanTree, spans: list[Span]) -> list[Span]:
    """Of nested spans for one operation (framework over provider), the outer ones."""
    return [span for span in spans if not any(a in spans for a in tree.ancestors(span))]

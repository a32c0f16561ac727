"""A finished span as a plain JSON-ready dict (the JSON-lines record format
that ``llmlens report`` reads)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.sdk.trace import ReadableSpan


def _value(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return str(value)


def attributes_dict(attributes: Mapping[str, Any] | None) -> dict[str, Any]:
    return {key: _value(value) for key, value in (attributes or {}).items()}


def span_to_dict(span: ReadableSpan) -> dict[str, Any]:
    context = span.context
    parent = span.parent
    start = span.start_time or 0
    end = span.end_time or start
    scope = span.instrumentation_scope
    return {
        "trace_id": f"{context.trace_id:032x}",
        "span_id": f"{context.span_id:016x}",
        "parent_span_id": f"{parent.span_id:016x}" if parent is not None else None,
        "parent_is_remote": bool(parent is not None and parent.is_remote),
        "name": span.name,
        "kind": span.kind.name,
        "start_time_unix_nano": start,
        "end_time_unix_nano": end,
        "duration_ms": (end - start) / 1e6,
        "status": {
            "code": span.status.status_code.name,
            "description": span.status.description,
        },
        "attributes": attributes_dict(span.attributes),
        "events": [
            {
                "name": event.name,
                "time_unix_nano": event.timestamp,
                "attributes": attributes_dict(event.attributes),
            }
            for event in span.events
        ],
        "resource": attributes_dict(span.resource.attributes if span.resource else None),
        "scope": {
            "name": scope.name if scope else None,
            "version": scope.version if scope else None,
        },
    }

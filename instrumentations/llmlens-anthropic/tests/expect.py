"""Assertions over what was exported."""

from __future__ import annotations

import gc
from typing import Any

import mock_api as m
from opentelemetry.trace import SpanKind, StatusCode

from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

CHAT_SPAN = f"{n.OP_CHAT} {m.MODEL}"


def only_span(telemetry: Telemetry, name: str = CHAT_SPAN, *, collect: bool = False) -> Any:
    """The one span exported: ours, and no twin from the SDK's own tracing."""
    if collect:
        gc.collect()
    spans = telemetry.spans()
    assert [s.name for s in spans] == [name], [
        (s.name, s.instrumentation_scope.name) for s in spans]
    span = spans[0]
    assert span.kind is SpanKind.CLIENT
    assert span.instrumentation_scope.name == "llmlens_anthropic"
    return span


def ok(span: Any) -> None:
    assert span.status.status_code is not StatusCode.ERROR
    assert n.ERROR_TYPE not in span.attributes


def failed(span: Any, error_type: str) -> None:
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == error_type


def usage(span: Any, input_tokens: int | None, output_tokens: int | None) -> None:
    assert span.attributes.get(n.GEN_AI_USAGE_INPUT_TOKENS) == input_tokens
    assert span.attributes.get(n.GEN_AI_USAGE_OUTPUT_TOKENS) == output_tokens


def durations(telemetry: Telemetry, **attrs: Any) -> int:
    return telemetry.histogram_count(n.METRIC_OPERATION_DURATION, **attrs)


def tokens(telemetry: Telemetry, token_type: str) -> float:
    return telemetry.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: token_type})

"""Global tracer and logger providers (so an SDK's own tracing, and the
manual API, which use the global ones, are caught by the scans too), a fresh
meter provider per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmlens_semconv.testing import Telemetry

_SPANS = InMemorySpanExporter()
_TRACER_PROVIDER = TracerProvider()
_TRACER_PROVIDER.add_span_processor(SimpleSpanProcessor(_SPANS))
trace.set_tracer_provider(_TRACER_PROVIDER)
_LOGS = InMemoryLogRecordExporter()
_LOGGER_PROVIDER = LoggerProvider()
_LOGGER_PROVIDER.add_log_record_processor(SimpleLogRecordProcessor(_LOGS))
set_logger_provider(_LOGGER_PROVIDER)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    _SPANS.clear()
    _LOGS.clear()
    reader = InMemoryMetricReader()
    yield Telemetry(_TRACER_PROVIDER, MeterProvider(metric_readers=[reader]), _LOGGER_PROVIDER,
                    _SPANS, reader, _LOGS)
    _SPANS.clear()
    _LOGS.clear()

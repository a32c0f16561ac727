"""Fixtures: one global tracer provider (so the SDK's own tracing, which uses
the global one, would show up in every test if llmlens let it), fresh meter
and logger providers per test, and the instrumentor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from mock_api import MockAPI
from opentelemetry import trace
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmlens_anthropic import AnthropicInstrumentor
from llmlens_semconv import CaptureMode, ContentPolicy
from llmlens_semconv.testing import Telemetry

_SPANS = InMemorySpanExporter()
_TRACER_PROVIDER = TracerProvider()
_TRACER_PROVIDER.add_span_processor(SimpleSpanProcessor(_SPANS))
trace.set_tracer_provider(_TRACER_PROVIDER)


def make_telemetry() -> Telemetry:
    _SPANS.clear()
    reader = InMemoryMetricReader()
    logs = InMemoryLogRecordExporter()
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    return Telemetry(_TRACER_PROVIDER, MeterProvider(metric_readers=[reader]), logger_provider,
                     _SPANS, reader, logs)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield make_telemetry()
    _SPANS.clear()


def instrument(telemetry: Telemetry, mode: CaptureMode = CaptureMode.NO_CONTENT
               ) -> AnthropicInstrumentor:
    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(**telemetry.providers(), content_policy=ContentPolicy(mode=mode))
    return instrumentor


@pytest.fixture
def instrumented(telemetry: Telemetry) -> Iterator[Telemetry]:
    instrumentor = instrument(telemetry)
    yield telemetry
    instrumentor.uninstrument()


@pytest.fixture
def captured(telemetry: Telemetry) -> Iterator[Telemetry]:
    """Instrumented with content on the span and in the event."""
    instrumentor = instrument(telemetry, CaptureMode.SPAN_AND_EVENT)
    yield telemetry
    instrumentor.uninstrument()


@pytest.fixture
def api() -> MockAPI:
    return MockAPI()

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import metrics, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from llmlens import evaluation, responses, steps
from llmlens_semconv.testing import Telemetry

_GLOBAL: Telemetry | None = None


def _global_telemetry() -> Telemetry:
    """The manual API uses the global providers; they can be set once per process."""
    global _GLOBAL
    if _GLOBAL is None:
        spans = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
        reader = InMemoryMetricReader(
            preferred_temporality={Histogram: AggregationTemporality.DELTA})
        meter_provider = MeterProvider(metric_readers=[reader])
        logs = InMemoryLogRecordExporter()
        logger_provider = LoggerProvider()
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
        trace.set_tracer_provider(tracer_provider)
        metrics.set_meter_provider(meter_provider)
        set_logger_provider(logger_provider)
        _GLOBAL = Telemetry(tracer_provider, meter_provider, logger_provider, spans, reader, logs)
    return _GLOBAL


@pytest.fixture
def telemetry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Telemetry]:
    monkeypatch.delenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", raising=False)
    t = _global_telemetry()
    t.clear()
    steps.reset_emitter()
    evaluation.reset()
    responses.forget_all()
    yield t
    steps.reset_emitter()


@pytest.fixture
def capture_content(monkeypatch: pytest.MonkeyPatch, telemetry: Telemetry) -> Telemetry:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "SPAN_ONLY")
    steps.reset_emitter()
    return telemetry

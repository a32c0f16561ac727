"""A pytest plugin (``-p llmlens_suite_plugin``) that runs the anthropic SDK's
own test suite under llmlens: the SDK instrumented, content capture on,
spans/metrics/logs going to in-memory exporters.

It leaves the global OpenTelemetry providers alone, so the only difference
from a plain run is llmlens itself. When the session ends it writes how
many llmlens spans it exported (proof that the instrumentation was live) to the
file named by ``LLMLENS_SUITE_REPORT``, one line per process.
"""

from __future__ import annotations

import os
from typing import Any

os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "SPAN_AND_EVENT"

_state: dict[str, Any] = {}


def pytest_configure(config: Any) -> None:
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import (
        InMemoryLogRecordExporter,
        SimpleLogRecordProcessor,
    )
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from llmlens_anthropic import AnthropicInstrumentor

    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    logger_provider = LoggerProvider()
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(InMemoryLogRecordExporter()))
    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(
        tracer_provider=tracer_provider,
        meter_provider=MeterProvider(metric_readers=[InMemoryMetricReader()]),
        logger_provider=logger_provider,
    )
    # read now: tests may change the environment
    _state.update(spans=spans, instrumentor=instrumentor,
                  report=os.environ.get("LLMLENS_SUITE_REPORT"),
                  worker=os.environ.get("PYTEST_XDIST_WORKER", "main"))


def pytest_sessionfinish(session: Any, exitstatus: Any) -> None:
    spans = _state.get("spans")
    report = _state.get("report")
    if spans is None or not report:
        return
    try:
        ours = sum(1 for s in spans.get_finished_spans()
                   if s.instrumentation_scope
                   and s.instrumentation_scope.name == "llmlens_anthropic")
        with open(report, "a", encoding="utf-8") as out:
            out.write(f"{_state['worker']} {ours}\n")
    except Exception as exc:  # noqa: BLE001 - a report never fails the run
        print(f"llmlens suite plugin: could not write the report: {exc!r}")

"""In-memory OpenTelemetry pipelines for tests (needs ``opentelemetry-sdk``).

Every llmlens test suite reads what was exported through these, so the
assertions see exactly what a backend would receive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter


@dataclass
class Telemetry:
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider
    span_exporter: InMemorySpanExporter
    metric_reader: InMemoryMetricReader
    log_exporter: InMemoryLogRecordExporter

    @classmethod
    def create(cls) -> Telemetry:
        span_exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(span_exporter))
        metric_reader = InMemoryMetricReader()
        meter_provider = MeterProvider(metric_readers=[metric_reader])
        log_exporter = InMemoryLogRecordExporter()
        logger_provider = LoggerProvider()
        logger_provider.add_log_record_processor(SimpleLogRecordProcessor(log_exporter))
        return cls(tracer_provider, meter_provider, logger_provider,
                   span_exporter, metric_reader, log_exporter)

    def providers(self) -> dict[str, Any]:
        """Keyword arguments for ``Instrumentor().instrument(**...)``/``Emitter``."""
        return {
            "tracer_provider": self.tracer_provider,
            "meter_provider": self.meter_provider,
            "logger_provider": self.logger_provider,
        }

    # --- reading what was exported ---------------------------------------------

    def spans(self) -> list[ReadableSpan]:
        return list(self.span_exporter.get_finished_spans())

    def span(self, name: str | None = None) -> ReadableSpan:
        """The one finished span (with that name); fails if not exactly one."""
        found = [s for s in self.spans() if name is None or s.name == name]
        assert len(found) == 1, f"expected one span {name!r}, got {[s.name for s in self.spans()]}"
        return found[0]

    def logs(self) -> list[Any]:
        return [r.log_record for r in self.log_exporter.get_finished_logs()]

    def metric_points(self, name: str) -> list[Any]:
        """Every data point of the named metric (all scopes, all attributes)."""
        data = self.metric_reader.get_metrics_data()
        points: list[Any] = []
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name == name:
                        points.extend(metric.data.data_points)
        return points

    def metric(self, name: str) -> Any:
        data = self.metric_reader.get_metrics_data()
        for rm in data.resource_metrics if data else []:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    if metric.name == name:
                        return metric
        return None

    def histogram_sum(self, name: str, **attrs: Any) -> float:
        """Sum over the histogram's points whose attributes include ``attrs``."""
        total = 0.0
        for p in self.metric_points(name):
            if all(p.attributes.get(k) == v for k, v in attrs.items()):
                total += p.sum
        return total

    def histogram_count(self, name: str, **attrs: Any) -> int:
        return sum(
            p.count for p in self.metric_points(name)
            if all(p.attributes.get(k) == v for k, v in attrs.items())
        )

    def clear(self) -> None:
        self.span_exporter.clear()
        self.log_exporter.clear()
        self.metric_reader.get_metrics_data()

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()
        self.logger_provider.shutdown()


def iter_all_text(telemetry: Telemetry) -> Iterator[str]:
    """Every string an export would carry: span names, attribute values,
    event attributes, log bodies and attributes (for content-leak scans)."""
    for span in telemetry.spans():
        yield span.name
        yield from (str(v) for v in (span.attributes or {}).values())
        for event in span.events:
            yield from (str(v) for v in (event.attributes or {}).values())
        if span.status.description:
            yield span.status.description
    for record in telemetry.logs():
        yield str(record.body)
        yield from (str(v) for v in (record.attributes or {}).values())

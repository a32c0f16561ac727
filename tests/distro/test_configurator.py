"""Providers built from OTEL_* variables: resource, exporters, sampler,
histogram Views, and fail-open handling of bad values."""

from __future__ import annotations

import json
import logging

import pytest
from opentelemetry.sdk.metrics import Histogram
from opentelemetry.sdk.metrics.export import (
    ExponentialHistogramDataPoint,
    HistogramDataPoint,
    InMemoryMetricReader,
)
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation

from llmlens.configurator import build_providers, exporter_classes, exporter_names
from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv import names as n

ALL_OTEL = ("OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
            "OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER",
            "OTEL_TRACES_SAMPLER_ARG", "OTEL_METRIC_EXPORT_INTERVAL")


@pytest.fixture(autouse=True)
def quiet_environment(monkeypatch, tmp_path):
    for name in ALL_OTEL:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "none")
    monkeypatch.setenv("OTEL_LOGS_EXPORTER", "none")
    monkeypatch.setenv("LLMLENS_JSONL_PATH", str(tmp_path / "spans.jsonl"))


def _shutdown(providers):
    providers.tracer_provider.shutdown()
    providers.meter_provider.shutdown()
    providers.logger_provider.shutdown()


def test_resource_comes_from_service_name_and_resource_attributes(monkeypatch):
    monkeypatch.setenv("OTEL_SERVICE_NAME", "chatbot")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name=prod,team=ml")
    providers = build_providers("0.99b0")
    attrs = providers.tracer_provider.resource.attributes
    assert attrs["service.name"] == "chatbot"
    assert attrs["deployment.environment.name"] == "prod"
    assert attrs["team"] == "ml"
    assert attrs["telemetry.distro.name"] == "llmlens"
    assert attrs["telemetry.auto.version"] == "0.99b0"
    assert providers.meter_provider._sdk_config.resource.attributes["service.name"] == "chatbot"
    _shutdown(providers)


def test_jsonl_exporter_by_name_writes_emitted_spans(monkeypatch, tmp_path):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "llmlens_jsonl")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "writer")
    providers = build_providers()
    emitter = Emitter("test.scope", tracer_provider=providers.tracer_provider,
                      meter_provider=providers.meter_provider)
    call = emitter.start(Request(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI, model="m1"))
    call.finish(Response(usage=Usage(input_tokens=3, output_tokens=4)))
    _shutdown(providers)
    lines = (tmp_path / "spans.jsonl").read_text().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["name"] == "chat m1"
    assert record["attributes"][n.GEN_AI_USAGE_OUTPUT_TOKENS] == 4
    assert record["resource"]["service.name"] == "writer"


def test_otlp_resolves_to_the_protocol_chosen(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    assert exporter_names("traces") == ["otlp_proto_http"]
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "grpc")
    assert exporter_names("traces") == ["otlp_proto_grpc"]


def test_bad_protocol_falls_back_to_grpc_with_a_warning(monkeypatch, caplog):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon")
    with caplog.at_level(logging.WARNING):
        classes = exporter_classes("traces")
    assert [name for name, _ in classes] == ["otlp_proto_grpc"]
    assert "carrier-pigeon" in caplog.text


def test_unknown_exporter_is_dropped_and_the_others_still_work(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "no_such_exporter,llmlens_jsonl")
    with caplog.at_level(logging.WARNING):
        providers = build_providers()
    assert providers.exporter_names["traces"] == ["llmlens_jsonl"]
    assert "no_such_exporter" in caplog.text
    providers.tracer_provider.get_tracer("t").start_span("kept").end()
    _shutdown(providers)
    assert json.loads((tmp_path / "spans.jsonl").read_text())["name"] == "kept"


def test_bad_numbers_and_sampler_do_not_crash(monkeypatch, caplog):
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "console")
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "soon")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "sometimes")
    with caplog.at_level(logging.WARNING):
        providers = build_providers()
    span = providers.tracer_provider.get_tracer("t").start_span("still sampled")
    assert span.is_recording()
    span.end()
    assert "sometimes" in caplog.text
    _shutdown(providers)


def test_sampler_from_environment_is_applied(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    providers = build_providers()
    assert not providers.tracer_provider.get_tracer("t").start_span("dropped").is_recording()
    _shutdown(providers)


def test_genai_histograms_get_convention_buckets_from_any_meter_and_any_exporter():
    # a reader whose exporter prefers exponential histograms: the Views must win
    # for GenAI names, and only for them
    reader = InMemoryMetricReader(
        preferred_aggregation={Histogram: ExponentialBucketHistogramAggregation()})
    providers = build_providers(extra_metric_readers=[reader])
    meter = providers.meter_provider.get_meter("some.other.instrumentation")
    meter.create_histogram(n.METRIC_TOKEN_USAGE, unit=n.UNIT_TOKENS).record(100)
    meter.create_histogram(n.METRIC_OPERATION_DURATION, unit=n.UNIT_SECONDS).record(0.5)
    meter.create_histogram("app.request.size").record(3)

    points = {}
    for resource_metrics in reader.get_metrics_data().resource_metrics:
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                points[metric.name] = metric.data.data_points[0]
    token_point = points[n.METRIC_TOKEN_USAGE]
    assert isinstance(token_point, HistogramDataPoint)
    assert tuple(token_point.explicit_bounds) == tuple(n.TOKEN_BUCKETS)
    assert tuple(points[n.METRIC_OPERATION_DURATION].explicit_bounds) == tuple(
        n.DURATION_BUCKETS)
    assert isinstance(points["app.request.size"], ExponentialHistogramDataPoint)
    _shutdown(providers)


def test_metric_export_interval_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("OTEL_METRICS_EXPORTER", "console")
    monkeypatch.setenv("OTEL_METRIC_EXPORT_INTERVAL", "1234")
    providers = build_providers()
    (reader,) = providers.meter_provider._metric_readers
    assert reader._export_interval_millis == 1234
    _shutdown(providers)


def test_invalid_batch_settings_fall_back_to_defaults(monkeypatch, tmp_path, caplog):
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "llmlens_jsonl")
    monkeypatch.setenv("OTEL_BSP_MAX_QUEUE_SIZE", "-5")
    with caplog.at_level(logging.WARNING):
        providers = build_providers()
    assert "OTEL_BSP_" in caplog.text
    providers.tracer_provider.get_tracer("t").start_span("still exported").end()
    _shutdown(providers)
    assert json.loads((tmp_path / "spans.jsonl").read_text())["name"] == "still exported"


def test_sdk_disabled_sets_nothing_up(monkeypatch):
    from opentelemetry import trace

    from llmlens.configurator import LlmlensConfigurator

    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "llmlens_jsonl")
    before = trace.get_tracer_provider()
    LlmlensConfigurator().configure()
    assert LlmlensConfigurator.providers is None
    assert trace.get_tracer_provider() is before


def test_unusable_config_file_is_a_warning(monkeypatch, tmp_path, caplog):
    from llmlens.configurator import LlmlensConfigurator

    monkeypatch.setenv("OTEL_CONFIG_FILE", str(tmp_path / "missing.yaml"))
    with caplog.at_level(logging.WARNING):
        LlmlensConfigurator().configure()
    assert "OTEL_CONFIG_FILE could not be applied" in caplog.text

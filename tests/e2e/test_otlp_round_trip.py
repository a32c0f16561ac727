"""A real OTLP round trip: the small app runs under ``opentelemetry-instrument``
in a subprocess, configured by environment variables only, and a real OTLP
receiver in this process decodes what arrives."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from otlp_receiver import GrpcReceiver, HttpReceiver, attributes_of

from llmlens_semconv import names as n

APP = Path(__file__).with_name("app.py")
APP_STDOUT = "answer: 42\n"


def _environment(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OTEL_", "LLMLENS_", "PYTHONPATH"))}
    env.update(settings)
    return env


def _run_app(env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    instrument = os.path.join(os.path.dirname(sys.executable), "opentelemetry-instrument")
    return subprocess.run([instrument, sys.executable, str(APP)], env=env, capture_output=True,
                          text=True, timeout=timeout, check=False)


@pytest.fixture(params=["grpc", "http/protobuf"])
def receiver(request):
    receiver_class = GrpcReceiver if request.param == "grpc" else HttpReceiver
    with receiver_class() as running:
        running.protocol = request.param
        yield running


def test_spans_metrics_and_logs_arrive_with_the_resource(receiver):
    env = _environment(
        OTEL_SERVICE_NAME="e2e-chat",
        OTEL_RESOURCE_ATTRIBUTES="deployment.environment.name=test,team=assistants",
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL=receiver.protocol,
        OTEL_EXPORTER_OTLP_HEADERS="x-e2e-token=opensesame",
    )
    result = _run_app(env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == APP_STDOUT
    received = receiver.received

    # traces
    spans = {span.name: (resource, span) for resource, span in received.spans()}
    resource, chat = spans["chat gpt-4o-mini"]
    assert resource["service.name"] == "e2e-chat"
    assert resource["deployment.environment.name"] == "test"
    assert resource["team"] == "assistants"
    assert resource["telemetry.distro.name"] == "llmlens"
    chat_attrs = attributes_of(chat.attributes)
    assert chat_attrs[n.GEN_AI_OPERATION_NAME] == n.OP_CHAT
    assert chat_attrs[n.GEN_AI_USAGE_INPUT_TOKENS] == 11
    assert chat_attrs[n.GEN_AI_RESPONSE_MODEL] == "gpt-4o-mini-2024-07-18"
    _, parent = spans["answer question"]
    assert chat.parent_span_id == parent.span_id
    assert chat.trace_id == parent.trace_id

    # metrics: the emitter's histograms, and another meter's GenAI histogram
    # bucketed by the distro's View
    metrics = {(scope, metric.name): (resource, metric)
               for resource, scope, metric in received.metrics()}
    resource, duration = metrics[("llmlens.e2e.app", n.METRIC_OPERATION_DURATION)]
    assert resource["service.name"] == "e2e-chat"
    assert duration.histogram.data_points[0].count == 1
    _, tokens = metrics[("llmlens.e2e.app", n.METRIC_TOKEN_USAGE)]
    assert sorted(p.sum for p in tokens.histogram.data_points) == [11, 22]
    _, other = metrics[("other.instrumentation", n.METRIC_EXECUTE_TOOL_DURATION)]
    assert tuple(other.histogram.data_points[0].explicit_bounds) == tuple(n.DURATION_BUCKETS)

    # logs: the app's WARNING, with the ids of the span it was logged in
    records = [(res, rec) for res, rec in received.logs()
               if value_body(rec) == "the model is slow today"]
    assert len(records) == 1
    resource, record = records[0]
    assert resource["service.name"] == "e2e-chat"
    assert record.trace_id == chat.trace_id
    assert record.span_id == chat.span_id
    assert record.severity_text == "WARN"
    bodies = [value_body(rec) for _, rec in received.logs()]
    assert "routine detail, below the exported level" not in bodies

    # headers from OTEL_EXPORTER_OTLP_HEADERS reached the receiver
    assert all(h.get("x-e2e-token") == "opensesame" for h in received.headers)


def value_body(record) -> object:
    from otlp_receiver import value_of

    return value_of(record.body)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("protocol", ["grpc", "http/protobuf"])
def test_collector_down_the_app_exits_normally_with_its_output_unchanged(protocol):
    env = _environment(
        OTEL_SERVICE_NAME="e2e-chat",
        OTEL_EXPORTER_OTLP_ENDPOINT=f"http://127.0.0.1:{_closed_port()}",
        OTEL_EXPORTER_OTLP_PROTOCOL=protocol,
    )
    # a hang fails the test through TimeoutExpired
    result = _run_app(env, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout == APP_STDOUT
    assert "Traceback" not in result.stderr


def test_openai_call_through_the_instrumentor_arrives_over_otlp():
    """The zero-code path with a real SDK: openai -> llmlens-openai -> distro -> OTLP."""
    from mock_openai import MockOpenAI

    app = Path(__file__).with_name("openai_app.py")
    instrument = os.path.join(os.path.dirname(sys.executable), "opentelemetry-instrument")
    with MockOpenAI() as mock, GrpcReceiver() as receiver:
        env = _environment(OTEL_SERVICE_NAME="openai-app",
                           OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint,
                           MOCK_OPENAI_URL=mock.url)
        result = subprocess.run([instrument, sys.executable, str(app)], env=env,
                                capture_output=True, text=True, timeout=90, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "42\n"
    chats = [(res, span) for res, span in receiver.received.spans()
             if span.name == "chat gpt-4o-mini"]
    assert len(chats) == 1
    resource, span = chats[0]
    attrs = attributes_of(span.attributes)
    assert resource["service.name"] == "openai-app"
    assert attrs[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_OPENAI
    assert attrs[n.GEN_AI_USAGE_INPUT_TOKENS] == 14
    assert attrs[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 1
    assert attrs[n.GEN_AI_RESPONSE_ID] == "chatcmpl-mock-1"
    metric_names = {metric.name for _, _, metric in receiver.received.metrics()}
    assert {n.METRIC_OPERATION_DURATION, n.METRIC_TOKEN_USAGE} <= metric_names

"""Exemplars (trace-based, the SDK's default filter) on the duration and
first-chunk points link the call's own span; token and per-chunk points
carry none, even under a sampled span."""

from __future__ import annotations

from typing import Any

from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

CHAT = dict(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI, model="gpt-4o-mini",
            server_address="api.openai.com", server_port=443)
RESPONSE = Response(model="gpt-4o-mini-2024-07-18",
                    usage=Usage(input_tokens=12, output_tokens=3))


def _collect(telemetry: Telemetry) -> dict[str, list[Any]]:
    """Every metric's points from one collection (the SDK hands each exemplar
    to one collection only)."""
    points: dict[str, list[Any]] = {}
    for rm in telemetry.metric_reader.get_metrics_data().resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                points.setdefault(metric.name, []).extend(metric.data.data_points)
    return points


def _span_ids(points: list[Any]) -> set[int]:
    return {e.span_id for point in points for e in point.exemplars}


def test_points_link_the_call_span_without_a_parent(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    # a script or a worker: no span is current when the call ends
    emitter.start(Request(**CHAT)).finish(RESPONSE)
    span_id = telemetry.span().context.span_id
    points = _collect(telemetry)
    assert _span_ids(points[n.METRIC_OPERATION_DURATION]) == {span_id}
    assert _span_ids(points[n.METRIC_TOKEN_USAGE]) == set()


def test_points_link_the_call_span_not_the_current_one(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    tracer = telemetry.tracer_provider.get_tracer("app")
    with tracer.start_as_current_span("handle request"):
        call = emitter.start(Request(**CHAT, stream=True))
        for _ in range(4):
            call.chunk()
        call.finish(RESPONSE)
    span_id = telemetry.span("chat gpt-4o-mini").context.span_id
    points = _collect(telemetry)
    assert _span_ids(points[n.METRIC_OPERATION_DURATION]) == {span_id}
    assert _span_ids(points[n.METRIC_TIME_TO_FIRST_CHUNK]) == {span_id}
    assert _span_ids(points[n.METRIC_TOKEN_USAGE]) == set()
    # three intervals recorded, none offered as an exemplar
    [chunks] = points[n.METRIC_TIME_PER_OUTPUT_CHUNK]
    assert chunks.count == 3
    assert list(chunks.exemplars) == []


def test_a_call_sampled_out_records_its_points_all_the_same(telemetry: Telemetry) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    emitter = Emitter("llmlens-test", tracer_provider=TracerProvider(sampler=ALWAYS_OFF),
                      meter_provider=telemetry.meter_provider)
    emitter.start(Request(**CHAT)).finish(RESPONSE)
    [point] = telemetry.metric_points(n.METRIC_OPERATION_DURATION)
    assert point.count == 1
    assert list(point.exemplars) == []

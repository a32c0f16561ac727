"""Attribution: W3C baggage and llmlens.attribute() onto every span; onto
metrics only the allow-listed keys."""

from __future__ import annotations

import asyncio

import pytest
from economics_helpers import make_call
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.trace import SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

import llmlens
from llmlens.economics import attribute, current_attribution
from llmlens.economics.attribution import DEFAULT_METRIC_KEYS, parse_metric_keys
from llmlens_semconv import Request, Response, Usage, hooks
from llmlens_semconv import names as n

USAGE = Usage(input_tokens=100, output_tokens=10)
PROPAGATOR = CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])


def test_baggage_of_an_incoming_http_request_reaches_the_llm_span(install, emitter, telemetry):
    install()
    headers = {
        "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "baggage": "user.id=u-17,session.id=s-9,llmlens.team=search,llmlens.tenant=acme,"
                   "llmlens.feature=answer,gen_ai.conversation.id=c-3,unrelated=x",
    }
    tracer = telemetry.tracer_provider.get_tracer("web")
    token = otel_context.attach(PROPAGATOR.extract(headers))
    try:
        with tracer.start_as_current_span("POST /chat", kind=SpanKind.SERVER):
            make_call(emitter, "gpt-4o", USAGE)
    finally:
        otel_context.detach(token)

    llm = telemetry.span("chat gpt-4o")
    server = telemetry.span("POST /chat")
    assert llm.context.trace_id == 0x0AF7651916CD43DD8448EB211C80319C
    expected = {
        n.USER_ID: "u-17", n.SESSION_ID: "s-9", n.LLMLENS_TEAM: "search",
        n.LLMLENS_TENANT: "acme", n.LLMLENS_FEATURE: "answer", n.GEN_AI_CONVERSATION_ID: "c-3",
    }
    for span in (llm, server):
        assert {k: span.attributes.get(k) for k in expected} == expected
        assert "unrelated" not in span.attributes


def test_attribute_context_manager_applies_inside_only(install, emitter, telemetry):
    install()
    with llmlens.attribute(user_id="u-1", team="search"):
        make_call(emitter, "gpt-4o", USAGE)
    make_call(emitter, "gpt-4o-mini", USAGE)

    inside = telemetry.span("chat gpt-4o")
    outside = telemetry.span("chat gpt-4o-mini")
    assert inside.attributes[n.USER_ID] == "u-1"
    assert inside.attributes[n.LLMLENS_TEAM] == "search"
    assert n.USER_ID not in outside.attributes
    assert n.LLMLENS_TEAM not in outside.attributes


def test_api_values_nest_and_override_baggage(install, emitter, telemetry):
    install()
    ctx = PROPAGATOR.extract({"baggage": "llmlens.team=from-baggage,user.id=u-bag"})
    token = otel_context.attach(ctx)
    try:
        with attribute(team="outer", feature="f1"), attribute(team="inner"):
            assert current_attribution() == {
                n.LLMLENS_TEAM: "inner", n.LLMLENS_FEATURE: "f1", n.USER_ID: "u-bag"}
            make_call(emitter, "gpt-4o", USAGE)
    finally:
        otel_context.detach(token)
    attributes = telemetry.span().attributes
    assert attributes[n.LLMLENS_TEAM] == "inner"
    assert attributes[n.LLMLENS_FEATURE] == "f1"
    assert attributes[n.USER_ID] == "u-bag"


def test_decorator_sync_and_async(install, emitter, telemetry):
    install()

    @llmlens.attribute(feature="summarize")
    def summarize() -> str:
        make_call(emitter, "gpt-4o", USAGE)
        return "done"

    @llmlens.attribute(feature="classify", tenant="t-2")
    async def classify() -> str:
        await asyncio.sleep(0)
        make_call(emitter, "gpt-4o-mini", USAGE)
        return "async done"

    assert summarize() == "done"
    assert asyncio.run(classify()) == "async done"
    assert summarize.__name__ == "summarize"
    assert telemetry.span("chat gpt-4o").attributes[n.LLMLENS_FEATURE] == "summarize"
    classified = telemetry.span("chat gpt-4o-mini").attributes
    assert classified[n.LLMLENS_FEATURE] == "classify"
    assert classified[n.LLMLENS_TENANT] == "t-2"
    assert current_attribution() == {}


async def test_concurrent_tasks_never_see_each_others_values(install, emitter, telemetry):
    install()

    async def handle(user: str) -> None:
        async with attribute(user_id=user):
            for _ in range(5):
                await asyncio.sleep(0)  # interleave with the other tasks
                assert current_attribution()[n.USER_ID] == user
                call = emitter.start(
                    Request(operation="chat", provider="openai", model=f"model-{user}"))
                await asyncio.sleep(0)
                call.finish(Response(usage=USAGE))

    users = [f"u{i}" for i in range(8)]
    await asyncio.gather(*(handle(u) for u in users))

    spans = telemetry.spans()
    assert len(spans) == 40
    for span in spans:
        assert span.attributes[n.USER_ID] == span.name.removeprefix("chat model-")
    assert current_attribution() == {}


def test_metrics_get_only_allow_listed_keys_by_default(install, emitter, telemetry):
    install()
    with attribute(user_id="u-1", session_id="s-1", team="search", tenant="acme",
                   feature="answer", conversation_id="c-1"):
        make_call(emitter, "gpt-4o", USAGE)

    wanted = {n.LLMLENS_TEAM: "search", n.LLMLENS_TENANT: "acme", n.LLMLENS_FEATURE: "answer"}
    for metric in (n.METRIC_TOKEN_USAGE, n.METRIC_OPERATION_DURATION, n.METRIC_COST):
        points = telemetry.metric_points(metric)
        assert points, metric
        for point in points:
            assert {k: point.attributes.get(k) for k in wanted} == wanted, metric
            for key in (n.USER_ID, n.SESSION_ID, n.GEN_AI_CONVERSATION_ID):
                assert key not in point.attributes, (metric, key)
    # the span still carries everything
    assert telemetry.span().attributes[n.USER_ID] == "u-1"


def test_metric_allow_list_from_the_environment(install, emitter, telemetry, monkeypatch):
    monkeypatch.setenv("LLMLENS_METRIC_ATTRIBUTES", "user_id, tenant")
    install()
    with attribute(user_id="u-1", team="search", tenant="acme"):
        make_call(emitter, "gpt-4o", USAGE)
    for metric in (n.METRIC_TOKEN_USAGE, n.METRIC_COST):
        for point in telemetry.metric_points(metric):
            assert point.attributes[n.USER_ID] == "u-1"
            assert point.attributes[n.LLMLENS_TENANT] == "acme"
            assert n.LLMLENS_TEAM not in point.attributes


def test_metric_allow_list_can_be_empty(install, emitter, telemetry):
    install(metric_attributes="none")
    with attribute(team="search"):
        make_call(emitter, "gpt-4o", USAGE)
        assert hooks.metric_attributes() is None  # no hook left to call per point
    points = telemetry.metric_points(n.METRIC_COST)
    assert points
    assert all(n.LLMLENS_TEAM not in p.attributes for p in points)


@pytest.mark.parametrize(
    ("spec", "keys"),
    [
        (None, DEFAULT_METRIC_KEYS),
        ("", ()),
        ("team,llmlens.tenant, user.id", (n.LLMLENS_TEAM, n.LLMLENS_TENANT, n.USER_ID)),
        ("Feature;session", (n.LLMLENS_FEATURE, n.SESSION_ID)),
        ("team, bogus", (n.LLMLENS_TEAM,)),
    ],
)
def test_parse_metric_keys(spec, keys):
    assert parse_metric_keys(spec) == keys


def test_attribute_does_not_leak_into_outgoing_baggage(install):
    install()
    with attribute(user_id="u-secret"):
        carrier: dict[str, str] = {}
        PROPAGATOR.inject(carrier)
    assert "u-secret" not in carrier.get("baggage", "")


def test_spans_outside_any_attribution_are_untouched(install, telemetry):
    install()
    tracer = telemetry.tracer_provider.get_tracer("plain")
    with tracer.start_as_current_span("plain work"):
        pass
    span = telemetry.span("plain work")
    assert not any(k in span.attributes for k in n.ATTRIBUTION_KEYS)
    assert trace.get_current_span() is trace.INVALID_SPAN


def test_metric_points_follow_the_context_of_each_call(install, emitter, telemetry):
    install()
    for team in ("a", "b", "a"):
        with attribute(team=team):
            make_call(emitter, "gpt-4o", USAGE)
    make_call(emitter, "gpt-4o", USAGE)

    cost = {p.attributes.get(n.LLMLENS_TEAM): p.value
            for p in telemetry.metric_points(n.METRIC_COST)}
    one_call = telemetry.spans()[0].attributes[n.LLMLENS_COST_USD]
    assert cost == pytest.approx({"a": 2 * one_call, "b": one_call, None: one_call})
    tokens = {(p.attributes.get(n.LLMLENS_TEAM), p.attributes[n.GEN_AI_TOKEN_TYPE]): p.sum
              for p in telemetry.metric_points(n.METRIC_TOKEN_USAGE)}
    assert tokens[("a", "input")] == 200
    assert tokens[("b", "input")] == 100
    assert tokens[(None, "output")] == 10


async def test_one_shared_instance_in_concurrent_tasks_detaches_each_tasks_own(
    install, emitter, telemetry, caplog,
):
    install()
    shared = attribute(team="shared")

    async def handle(user: str, delay_rounds: int) -> None:
        with shared, attribute(user_id=user):
            for _ in range(delay_rounds):
                await asyncio.sleep(0)
            make_call(emitter, f"model-{user}", USAGE)
        assert current_attribution() == {}

    # the first task to enter leaves last, and the other way round
    await asyncio.gather(handle("u1", 6), handle("u2", 1), handle("u3", 3))

    assert "Failed to detach context" not in caplog.text
    for span in telemetry.spans():
        assert span.attributes[n.LLMLENS_TEAM] == "shared"
        assert span.attributes[n.USER_ID] == span.name.removeprefix("chat model-")

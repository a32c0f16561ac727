"""The SDK's own tracing (anthropic 2.x) under llmlens: by default one span
per call (ours) with the trace context still sent on the request; the SDK's
span as well only when the user explicitly asked for it (PITFALLS 12)."""

from __future__ import annotations

import anthropic
import expect
import mock_api as m
import pytest

from llmlens_anthropic import native_tracing_status
from llmlens_semconv import names as n

pytestmark = pytest.mark.skipif(
    not m.HAS_NATIVE_TRACING, reason="this anthropic release has no built-in tracing")

SDK_SCOPE = "com.anthropic.sdk.python"
SDK_SPAN = "anthropic.messages.create"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("ANTHROPIC_OPEN_TELEMETRY", "ANTHROPIC_OPEN_TELEMETRY_PROPAGATION"):
        monkeypatch.delenv(name, raising=False)


def traceparent_of(span) -> str:
    ctx = span.get_span_context()
    return f"00-{ctx.trace_id:032x}-{ctx.span_id:016x}-{int(ctx.trace_flags):02x}"


def _call_in_app(api, client, stream: bool) -> None:
    from opentelemetry import trace

    with trace.get_tracer("app").start_as_current_span("app"):
        _call(api, client, stream)


def _call(api, client, stream: bool) -> None:
    if stream:
        api.sse(m.text_events())
        with client.messages.stream(**m.chat_kwargs()) as s:
            s.until_done()
    else:
        api.json(m.message())
        client.messages.create(**m.chat_kwargs())


@pytest.mark.parametrize("stream", [False, True])
def test_default_one_span_and_propagation_kept(instrumented, api, stream):
    _call(api, api.client(), stream)
    span = expect.only_span(instrumented)
    assert api.requests[-1].headers["traceparent"] == traceparent_of(span)
    status = native_tracing_status()
    assert status.llmlens_instrumented
    assert not status.native_spans
    assert status.propagation


def test_propagation_off_is_honoured(instrumented, api):
    client = api.client(open_telemetry={"propagation": False})
    _call(api, client, False)
    expect.only_span(instrumented)
    assert "traceparent" not in api.requests[-1].headers


def test_sdk_tracing_off_is_honoured(instrumented, api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY", "false")
    _call(api, api.client(), False)
    expect.only_span(instrumented)
    assert not native_tracing_status().native_spans


def _assert_both_spans(telemetry, api) -> None:
    spans = {s.instrumentation_scope.name: s for s in telemetry.spans() if s.name != "app"}
    assert len(telemetry.spans()) == 3
    ours, sdk = spans["llmlens_anthropic"], spans[SDK_SCOPE]
    assert sdk.name == SDK_SPAN
    # asked for, the SDK's span is where the SDK puts it (a sibling of ours,
    # under the caller's span), and its requests carry its own context
    assert sdk.parent is not None
    assert sdk.parent.span_id == ours.parent.span_id
    assert sdk.get_span_context().trace_id == ours.get_span_context().trace_id
    assert api.requests[-1].headers["traceparent"] == traceparent_of(sdk)
    assert ours.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 6


def test_env_var_true_keeps_sdk_spans(instrumented, api, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_OPEN_TELEMETRY", "true")
    client = api.client()
    _call_in_app(api, client, False)
    _assert_both_spans(instrumented, api)
    status = native_tracing_status()
    assert status.explicitly_requested and status.native_spans
    assert native_tracing_status(client).native_spans


@pytest.mark.parametrize("option", [{"traces": True}, {"traces": {"enabled": True}}])
def test_client_option_keeps_sdk_spans(instrumented, api, option):
    client = api.client(open_telemetry=option)
    _call_in_app(api, client, False)
    _assert_both_spans(instrumented, api)
    assert native_tracing_status(client).explicitly_requested


def test_copies_keep_the_choice(instrumented, api):
    explicit = api.client(open_telemetry={"traces": True}).with_options(timeout=30)
    _call_in_app(api, explicit, False)
    _assert_both_spans(instrumented, api)
    instrumented.clear()

    default = api.client().with_options(timeout=30)
    _call(api, default, False)
    expect.only_span(instrumented)


def test_uninstrument_gives_the_sdk_its_span_back(telemetry, api):
    from conftest import instrument

    instrumentor = instrument(telemetry)
    instrumentor.uninstrument()
    _call(api, api.client(), False)
    spans = telemetry.spans()
    assert [(s.name, s.instrumentation_scope.name) for s in spans] == [(SDK_SPAN, SDK_SCOPE)]
    status = native_tracing_status()
    assert not status.llmlens_instrumented
    # outside an instrumented process (`llmlens doctor`): what auto-instrumentation would do
    assert status.llmlens_active
    assert not status.native_spans


def test_status_when_our_instrumentor_is_disabled(monkeypatch):
    monkeypatch.setenv("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "openai, llmlens_anthropic")
    status = native_tracing_status()
    assert not status.llmlens_active
    assert status.native_spans
    assert "disabled" in status.summary


def test_status_without_client_reports_sdk():
    status = native_tracing_status()
    assert status.sdk_installed
    assert status.sdk_version == anthropic.__version__
    assert status.sdk_has_native_tracing
    assert status.summary

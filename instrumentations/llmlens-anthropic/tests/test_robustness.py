"""Odd streams, broken internals, and the instrumentor's own life cycle: none
of it may change what the caller gets, and no span is ever lost."""

from __future__ import annotations

import anthropic
import expect
import mock_api as m
import pytest

from llmlens_anthropic import AnthropicInstrumentor, accumulator, mapping
from llmlens_semconv import CaptureMode
from llmlens_semconv import names as n


@pytest.mark.parametrize("capture", [False, True])
def test_tool_delta_before_its_block_start(telemetry, api, capture):
    """PITFALLS 20: an input_json_delta with no content_block_start before it."""
    from conftest import instrument

    events = [
        m.message_start(),
        m.delta(3, {"type": "input_json_delta", "partial_json": '{"city": "Par'}),
        m.delta(3, {"type": "input_json_delta", "partial_json": 'is"}'}),
        m.block_start(3, {"type": "tool_use", "id": "toolu_9", "name": "weather",
                          "input": {}}),
        m.delta(7, {"type": "text_delta", "text": "orphan text"}),
        ("brand_new_event", {"type": "brand_new_event", "payload": {"x": 1}}),
        m.delta(3, {"type": "future_delta", "data": "?"}),
        m.message_delta("tool_use", 11),
        m.MESSAGE_STOP,
    ]
    api.sse(events).sse(events)
    plain = [e.type for e in api.client().messages.create(**m.chat_kwargs(stream=True))]
    telemetry.span_exporter.clear()  # the SDK's own span of the plain call
    instrumentor = instrument(
        telemetry, CaptureMode.SPAN_ONLY if capture else CaptureMode.NO_CONTENT)
    try:
        seen = [e.type for e in api.client().messages.create(**m.chat_kwargs(stream=True))]
    finally:
        instrumentor.uninstrument()
    # the caller sees exactly what the SDK gives without llmlens
    assert seen == plain
    span = expect.only_span(telemetry)
    expect.ok(span)
    expect.usage(span, 25, 11)
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("tool_call",)
    if capture:
        import json

        out = json.loads(span.attributes[n.GEN_AI_OUTPUT_MESSAGES])[0]["parts"]
        assert {"type": "tool_call", "name": "weather", "id": "toolu_9",
                "arguments": {"city": "Paris"}} in out
        assert {"type": "text", "content": "orphan text"} in out


def test_stream_without_message_delta(instrumented, api):
    api.sse([m.message_start(), m.block_start(0, {"type": "text", "text": ""}),
             m.delta(0, {"type": "text_delta", "text": "Hi"}), m.block_stop(0), m.MESSAGE_STOP])
    list(api.client().messages.create(**m.chat_kwargs(stream=True)))
    span = expect.only_span(instrumented)
    expect.ok(span)
    # no final count arrived: the input is known, the output is not made up
    expect.usage(span, 25, None)
    assert n.GEN_AI_RESPONSE_FINISH_REASONS not in span.attributes
    assert expect.tokens(instrumented, n.TOKEN_TYPE_INPUT) == 25
    assert instrumented.histogram_count(
        n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_OUTPUT}) == 0


def test_stream_without_message_start(instrumented, api):
    api.sse([m.block_start(0, {"type": "text", "text": ""}),
             m.delta(0, {"type": "text_delta", "text": "Hi"}), m.MESSAGE_STOP])
    assert len(list(api.client().messages.create(**m.chat_kwargs(stream=True)))) == 3
    span = expect.only_span(instrumented)
    assert span.attributes[n.LLMLENS_USAGE_UNAVAILABLE] is True


def test_accumulator_takes_plain_dicts():
    acc = accumulator.MessageAccumulator(capture=True)
    for _, data in m.tool_events():
        acc.add(data)
    response = acc.response()
    assert response.usage.input_tokens == 25
    assert response.finish_reasons == ["tool_call"]
    assert response.output_messages[0]["parts"][1]["arguments"] == {
        "location": "San Francisco, CA"}


def _explode(*args, **kwargs):
    raise RuntimeError("bug inside llmlens")


@pytest.mark.parametrize("broken", ["chat_request", "message_response", "accumulator_add",
                                    "accumulator_response"])
@pytest.mark.parametrize("stream", [False, True])
def test_a_broken_hook_changes_nothing_for_the_caller(
        instrumented, api, monkeypatch, broken, stream):
    if broken == "chat_request":
        monkeypatch.setattr(mapping, "chat_request", _explode)
    elif broken == "message_response":
        monkeypatch.setattr(mapping, "message_response", _explode)
    elif broken == "accumulator_add":
        monkeypatch.setattr(accumulator.MessageAccumulator, "add", _explode)
    else:
        monkeypatch.setattr(accumulator.MessageAccumulator, "response", _explode)
    client = api.client()
    if stream:
        api.sse(m.text_events())
        result = client.messages.create(**m.chat_kwargs(stream=True))
        assert isinstance(result, anthropic.Stream)
        texts = [e.delta.text for e in result if e.type == "content_block_delta"]
        assert texts == ["Hello", " there", "!"]
    else:
        api.json(m.message())
        result = client.messages.create(**m.chat_kwargs())
        assert type(result) is anthropic.types.Message
        assert result.content[0].text == "Hello there!"
    # whatever broke, a span that started also ended
    assert len(instrumented.spans()) <= 1
    if broken != "chat_request":
        expect.only_span(instrumented)


def test_user_exceptions_pass_through_unchanged(instrumented, api):
    api.json(m.error_body("rate_limit_error", "slow down"), status=429)
    with pytest.raises(anthropic.RateLimitError) as raised:
        api.client().messages.create(**m.chat_kwargs())
    assert raised.value.status_code == 429
    assert raised.value.__traceback__ is not None
    expect.failed(expect.only_span(instrumented), "rate_limit_error")


def test_connection_error_type(instrumented):
    def refuse(request):
        raise m.HTTP.ConnectError("connection refused")

    client = anthropic.Anthropic(
        api_key="k", max_retries=0,
        http_client=m.HTTP.Client(transport=m.HTTP.MockTransport(refuse)))
    with pytest.raises(anthropic.APIConnectionError):
        client.messages.create(**m.chat_kwargs())
    expect.failed(expect.only_span(instrumented), "APIConnectionError")


def _sdk_methods():
    from anthropic.resources import messages as msgs

    owners = [msgs.Messages, msgs.AsyncMessages]
    if hasattr(msgs, "Batches"):
        owners += [msgs.Batches, msgs.AsyncBatches]
    # identity, not equality: a wrapt proxy compares equal to what it wraps
    return {(o, k): id(v) for o in owners for k, v in vars(o).items()}


def test_uninstrument_restores_the_sdk_exactly(telemetry, api):
    from anthropic import _base_client

    before = _sdk_methods()
    base_before = {k: id(v) for k, v in vars(_base_client.BaseClient).items()}
    start_before = getattr(_base_client, "start_api_call_span", None)
    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    assert _sdk_methods() != before
    instrumentor.uninstrument()
    assert _sdk_methods() == before
    assert {k: id(v) for k, v in vars(_base_client.BaseClient).items()} == base_before
    assert getattr(_base_client, "start_api_call_span", None) is start_before

    api.json(m.message())
    api.client().messages.create(**m.chat_kwargs())
    assert not [s for s in telemetry.spans() if s.instrumentation_scope.name == "llmlens_anthropic"]
    assert expect.durations(telemetry) == 0


def test_instrumenting_twice_gives_one_span(telemetry, api):
    first = AnthropicInstrumentor()
    first.instrument(**telemetry.providers())
    AnthropicInstrumentor().instrument(**telemetry.providers())
    first._instrument(**telemetry.providers())  # even bypassing the singleton guard
    try:
        api.json(m.message())
        api.client().messages.create(**m.chat_kwargs())
        expect.only_span(telemetry)
        assert expect.durations(telemetry) == 1
    finally:
        first.uninstrument()
    api.json(m.message())
    api.client().messages.create(**m.chat_kwargs())
    assert len([s for s in telemetry.spans()
                if s.instrumentation_scope.name == "llmlens_anthropic"]) == 1


def test_importing_the_package_does_not_import_the_sdk():
    import subprocess
    import sys

    code = ("import sys, llmlens_anthropic; "
            "sys.exit(1 if 'anthropic' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_instrument_does_not_import_the_sdk_and_patches_on_import():
    import subprocess
    import sys

    code = """
import sys, wrapt
from llmlens_anthropic import AnthropicInstrumentor
AnthropicInstrumentor().instrument()
assert 'anthropic' not in sys.modules, 'imported at instrument()'
import anthropic.resources.messages as m
assert isinstance(m.Messages.__dict__['create'], wrapt.FunctionWrapper)
AnthropicInstrumentor().uninstrument()
assert not isinstance(m.Messages.__dict__['create'], wrapt.FunctionWrapper)
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_instrumentation_dependencies_match_the_extra():
    import importlib.metadata

    requires = importlib.metadata.requires("llmlens-anthropic") or []
    extra = [r.split(";")[0].replace(" ", "") for r in requires
             if "extra == 'instruments'" in r or 'extra == "instruments"' in r]
    deps = [d.replace(" ", "") for d in AnthropicInstrumentor().instrumentation_dependencies()]
    assert extra == deps


def test_entry_point_is_registered():
    import importlib.metadata

    eps = importlib.metadata.entry_points(group="opentelemetry_instrumentor")
    ours = [ep for ep in eps if ep.name == "llmlens_anthropic"]
    assert len(ours) == 1
    assert ours[0].load() is AnthropicInstrumentor


async def test_no_context_leaks(instrumented, api):
    """PITFALLS 8/9: every attach is detached, in the same context."""
    from opentelemetry import trace

    api.json(m.message()).json(m.message()).sse(m.text_events()).sse(m.text_events())
    client, aclient = api.client(), api.async_client()
    client.messages.create(**m.chat_kwargs())
    await aclient.messages.create(**m.chat_kwargs())
    with client.messages.stream(**m.chat_kwargs()) as stream:
        assert trace.get_current_span() is trace.INVALID_SPAN
        stream.until_done()
    async with aclient.messages.stream(**m.chat_kwargs()) as astream:
        assert trace.get_current_span() is trace.INVALID_SPAN
        await astream.until_done()
    assert trace.get_current_span() is trace.INVALID_SPAN
    assert len(instrumented.spans()) == 4


def test_a_method_missing_from_the_sdk_does_not_stop_the_rest(telemetry, api, monkeypatch):
    """PITFALLS 15: SDK drift never aborts the whole instrumentor."""
    from anthropic.resources import messages as msgs

    monkeypatch.delattr(msgs.Messages, "parse")
    monkeypatch.delattr(msgs.Messages, "count_tokens")
    instrumentor = AnthropicInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    try:
        api.json(m.message())
        api.client().messages.create(**m.chat_kwargs())
        expect.only_span(telemetry)
    finally:
        instrumentor.uninstrument()
    assert not hasattr(msgs.Messages, "parse")


def test_auto_instrumentation_accepts_the_installed_sdk():
    """What opentelemetry-instrument checks before loading the entry point."""
    import importlib.metadata

    from opentelemetry.instrumentation.dependencies import get_dist_dependency_conflicts

    dist = importlib.metadata.distribution("llmlens-anthropic")
    assert get_dist_dependency_conflicts(dist) is None

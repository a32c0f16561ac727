"""Our failures never reach the caller: with any piece of ours broken, the
call returns exactly what the SDK returns, and the SDK's own exceptions
pass through untouched."""

from __future__ import annotations

import openai
import pytest
from mock_api import MockAPI, chat_chunks, chat_completion, error_body, responses_body

from llmlens_openai import accumulators, requests, results
from llmlens_semconv import Emitter, hooks

MESSAGES = [{"role": "user", "content": "x"}]


def _boom(*args, **kwargs):
    raise RuntimeError("llmlens bug")


def _call(client, stream):
    out = client.chat.completions.create(model="m", messages=MESSAGES, stream=stream)
    return [c.model_dump() for c in out] if stream else out.model_dump()


def _baseline(stream: bool):
    api = MockAPI(is_async=False)
    if stream:
        return api.sse(chat_chunks(usage=True))
    return api.json(chat_completion())


BREAKAGES = {
    "request_mapping": lambda mp: mp.setitem(requests.BUILDERS, requests.CHAT, _boom),
    "result_mapping": lambda mp: mp.setitem(results.BUILDERS, requests.CHAT, _boom),
    "emitter_start": lambda mp: mp.setattr(Emitter, "start", _boom),
    "chunk_accumulator": lambda mp: mp.setattr(accumulators.ChatChunks, "add", _boom),
    "stream_response": lambda mp: mp.setattr(accumulators.ChatChunks, "response", _boom),
    "hooks": lambda mp: [hooks.add_span_start_hook(_boom), hooks.add_call_ended_hook(_boom),
                         hooks.add_metric_attributes_hook(_boom)],
}


@pytest.fixture
def clean_hooks():
    yield
    hooks.remove_hook(_boom)


@pytest.mark.parametrize("stream", [False, True], ids=["unary", "stream"])
@pytest.mark.parametrize("breakage", sorted(BREAKAGES))
def test_caller_gets_what_the_sdk_returns(telemetry, instrument, monkeypatch, clean_hooks,
                                          breakage, stream):
    expected = _call(_baseline(stream).client(), stream)  # before instrumenting
    instrument(content="SPAN_AND_EVENT")
    BREAKAGES[breakage](monkeypatch)

    got = _call(_baseline(stream).client(), stream)

    assert got == expected
    # whatever broke, no span is left open (checked by the fixture) and at most one exists
    assert len(telemetry.spans()) <= 1


def test_sdk_exceptions_pass_through_untouched(otel):
    client = MockAPI(is_async=False).json(error_body(), status=429).client()
    with pytest.raises(openai.RateLimitError) as caught:
        client.chat.completions.create(model="m", messages=MESSAGES)
    assert type(caught.value) is openai.RateLimitError
    assert caught.value.status_code == 429
    assert caught.value.body["code"] == "rate_limit_exceeded"
    # the traceback still reaches into the SDK where the error was raised
    frames = []
    tb = caught.value.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    assert any("_base_client" in f for f in frames)


def _send_with_one_shot_iterators() -> list[dict]:
    api = MockAPI(is_async=False).json(chat_completion()).json(chat_completion())
    api.json(responses_body())
    client = api.client()
    tool = {"type": "function", "function": {
        "name": "get_weather", "strict": True,
        "parameters": {"type": "object", "properties": {}, "required": [],
                       "additionalProperties": False}}}
    message = {"role": "user", "content": [{"type": "text", "text": "hi"}]}
    client.chat.completions.create(model="m", messages=iter([message]), tools=iter([tool]))
    parse = client.chat.completions.parse if hasattr(client.chat.completions, "parse") \
        else client.beta.chat.completions.parse
    parse(model="m", messages=iter([{"role": "user", "content": "x"}]), tools=iter([tool]))
    # (the SDK itself cannot send a one-shot iterator as responses input)
    client.responses.create(model="m", input=[{"role": "user", "content": "x"}],
                            tools=iter([{"type": "web_search"}]))
    return [r["json"] for r in api.requests]


def test_one_shot_iterators_reach_the_sdk_intact(telemetry, instrument):
    """The SDK takes any iterable of messages and tools; with content capture
    on we must not consume a one-shot iterator before the SDK sends it."""
    expected = _send_with_one_shot_iterators()  # not instrumented yet
    instrument(content="SPAN_AND_EVENT")
    sent = _send_with_one_shot_iterators()

    assert sent == expected
    assert sent[0]["messages"] == [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]
    assert sent[0]["tools"][0]["function"]["name"] == "get_weather"
    assert sent[2]["tools"] == [{"type": "web_search"}]
    assert len(telemetry.spans()) == 3

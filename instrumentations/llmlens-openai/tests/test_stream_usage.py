"""LLMLENS_OPENAI_STREAM_USAGE: ask for stream usage on the caller's behalf
and hide the extra chunk, so the caller sees exactly the stream it asked for.
Without it, a stream without usage says so and no count is made up."""

from __future__ import annotations

import pytest
from mock_api import MockAPI, chat_chunks, completion_chunks

from llmlens_semconv import names as n

MESSAGES = [{"role": "user", "content": "hi"}]


class UsageAwareAPI(MockAPI):
    """Sends the usage chunk only when the request asks for it, like the API."""

    def __init__(self, *, is_async: bool, legacy: bool = False) -> None:
        super().__init__(is_async=is_async)
        self.legacy = legacy

    def handle(self, request):
        import json

        body = json.loads(request.content)
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self.replies = []
        self.sse(completion_chunks(usage=usage) if self.legacy else chat_chunks(usage=usage))
        return super().handle(request)


async def _consume(client, is_async, legacy=False, **kwargs):
    if legacy:
        call = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="x",
                                         stream=True, **kwargs)
    else:
        call = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                              stream=True, **kwargs)
    if is_async:
        return [c.model_dump() async for c in await call]
    return [c.model_dump() for c in call]


@pytest.mark.parametrize("legacy", [False, True], ids=["chat", "completions"])
async def test_opt_in_adds_usage_and_hides_the_chunk(telemetry, instrument, is_async, legacy):
    plain_api = UsageAwareAPI(is_async=is_async, legacy=legacy)
    expected = await _consume(plain_api.client(), is_async, legacy)  # not instrumented yet

    instrument(stream_usage=True)
    api = UsageAwareAPI(is_async=is_async, legacy=legacy)
    seen = await _consume(api.client(), is_async, legacy)

    assert api.requests[0]["json"]["stream_options"] == {"include_usage": True}
    assert "stream_options" not in plain_api.requests[0]["json"]
    assert [c["choices"] for c in seen] == [c["choices"] for c in expected]
    assert all(c["choices"] for c in seen)
    span = telemetry.span()
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == (5 if legacy else 12)
    assert n.LLMLENS_USAGE_UNAVAILABLE not in span.attributes
    assert telemetry.histogram_count(n.METRIC_TOKEN_USAGE) == 2


async def test_caller_asking_for_usage_sees_the_usage_chunk(telemetry, instrument, is_async):
    instrument(stream_usage=True)
    seen = await _consume(UsageAwareAPI(is_async=is_async).client(), is_async,
                          stream_options={"include_usage": True})
    assert seen[-1]["choices"] == []
    assert seen[-1]["usage"]["prompt_tokens"] == 12
    assert telemetry.span().attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 12


def test_env_variable_switches_it_on(telemetry, instrument, monkeypatch):
    from llmlens_openai import OpenAIInstrumentor
    from llmlens_openai.state import ENV_STREAM_USAGE

    monkeypatch.setenv(ENV_STREAM_USAGE, "true")
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    try:
        api = UsageAwareAPI(is_async=False)
        chunks = list(api.client().chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True))
    finally:
        instrumentor.uninstrument()
    assert api.requests[0]["json"]["stream_options"] == {"include_usage": True}
    assert all(c.choices for c in chunks)
    assert telemetry.span().attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 3


def test_raw_streams_are_left_alone(telemetry, instrument):
    """The caller of with_raw_response may read the bytes: nothing is added."""
    instrument(stream_usage=True)
    api = UsageAwareAPI(is_async=False)
    raw = api.client().chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True)
    list(raw.parse())
    assert "stream_options" not in api.requests[0]["json"]


def test_off_by_default_and_no_made_up_counts(otel):
    api = UsageAwareAPI(is_async=False)
    chunks = list(api.client().chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True))
    assert "stream_options" not in api.requests[0]["json"]
    assert all(c.usage is None for c in chunks)
    span = otel.span()
    assert span.attributes[n.LLMLENS_USAGE_UNAVAILABLE] is True
    assert n.GEN_AI_USAGE_INPUT_TOKENS not in span.attributes
    assert n.GEN_AI_USAGE_OUTPUT_TOKENS not in span.attributes
    assert otel.metric_points(n.METRIC_TOKEN_USAGE) == []

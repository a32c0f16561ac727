"""One test (or more) per entry of the shared PITFALLS list that concerns
OpenAI: bugs other instrumentations shipped, which llmlens must not."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

import openai
from mock_api import (
    MockAPI,
    chat_chunks,
    chat_completion,
    completion_body,
    embeddings_body,
    responses_body,
    responses_events,
)

import llmlens_openai
from llmlens_openai import OpenAIInstrumentor, results
from llmlens_openai.requests import RESPONSES
from llmlens_openai.targets import CALL, TARGETS, Target
from llmlens_semconv import names as n
from llmlens_semconv.testing import iter_all_text

MESSAGES = [{"role": "user", "content": "hi"}]


# 1. A stream abandoned by the caller still ends its span (and nothing piles up).
def test_p01_abandoned_streams_all_end(otel):
    client = MockAPI(is_async=False).sse(chat_chunks()).client()
    for _ in range(20):
        stream = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
        next(stream)
        del stream
    gc.collect()
    spans = otel.spans()
    assert len(spans) == 20
    assert {s.attributes[n.LLMLENS_STREAM_END] for s in spans} == {"abandoned"}
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION) == 20


# 2. Iterating inside `with stream as s:` goes through the proxy.
async def test_p02_stream_context_manager_returns_the_proxy(otel, is_async):
    client = MockAPI(is_async=is_async).sse(chat_chunks(usage=True)).client()
    kwargs = {"model": "m", "messages": MESSAGES, "stream": True,
              "stream_options": {"include_usage": True}}
    if is_async:
        stream = await client.chat.completions.create(**kwargs)
        async with stream as entered:
            assert entered is stream
            chunks = [c async for c in entered]
    else:
        stream = client.chat.completions.create(**kwargs)
        with stream as entered:
            assert entered is stream
            chunks = list(entered)
    assert len(chunks) == 6
    span = otel.span()
    assert span.attributes[n.LLMLENS_STREAM_CHUNKS] == 6
    assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 3


# 3. with_raw_response / with_streaming_response keep working, streams included.
async def test_p03_raw_responses_stream_keeps_sdk_api(otel, is_async):
    client = MockAPI(is_async=is_async).sse(responses_events()).client()
    call = client.responses.with_raw_response.create(model="gpt-4.1", input="hi", stream=True)
    raw = await call if is_async else call
    assert isinstance(raw, openai._legacy_response.LegacyAPIResponse)
    assert raw.headers["x-request-id"] == "req_test"
    assert raw.status_code == 200
    assert raw.http_response is not None
    stream = raw.parse()
    assert raw.parse() is stream  # parse() stays idempotent
    events = [e async for e in stream] if is_async else list(stream)
    assert events[-1].type == "response.completed"
    assert otel.span().attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 36


async def test_p03_streaming_response_keeps_sdk_api(otel, is_async):
    client = MockAPI(is_async=is_async).json(chat_completion()).client()
    helper = client.chat.completions.with_streaming_response.create(model="m",
                                                                    messages=MESSAGES)
    if is_async:
        async with helper as response:
            assert isinstance(response, openai._response.AsyncAPIResponse)
            body = await response.json()
    else:
        with helper as response:
            assert isinstance(response, openai._response.APIResponse)
            body = response.json()
    assert body["id"] == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
    # the body was read with json(), not parse(): the span still gets the fields
    span = otel.span()
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == body["id"]
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 19


# 4. Return types are the SDK's own (isinstance holds; models are untouched).
async def test_p04_return_types_unchanged(otel, is_async):
    api = MockAPI(is_async=is_async).json(chat_completion()).sse(chat_chunks())
    client = api.client()
    first = client.chat.completions.create(model="m", messages=MESSAGES)
    second = client.chat.completions.create(model="m", messages=MESSAGES, stream=True)
    if is_async:
        result, stream = await first, await second
        assert isinstance(stream, openai.AsyncStream)
        [c async for c in stream]
    else:
        result, stream = first, second
        assert isinstance(stream, openai.Stream)
        list(stream)
    assert type(result) is openai.types.chat.ChatCompletion
    manager = client.chat.completions.stream if hasattr(client.chat.completions, "stream") \
        else client.beta.chat.completions.stream
    made = manager(model="m", messages=MESSAGES)
    expected = (openai.lib.streaming.chat.AsyncChatCompletionStreamManager if is_async
                else openai.lib.streaming.chat.ChatCompletionStreamManager)
    assert isinstance(made, expected)
    if is_async:
        async with made as helper:
            assert isinstance(helper, openai.lib.streaming.chat.AsyncChatCompletionStream)
    else:
        with made as helper:
            assert isinstance(helper, openai.lib.streaming.chat.ChatCompletionStream)


# 6. Stream usage comes from the API (chat with include_usage, responses.stream).
def test_p06_responses_stream_usage(otel):
    client = MockAPI(is_async=False).sse(responses_events()).client()
    with client.responses.stream(model="gpt-4.1", input="hi") as stream:
        for _ in stream:
            pass
    a = otel.span().attributes
    assert (a[n.GEN_AI_USAGE_INPUT_TOKENS], a[n.GEN_AI_USAGE_OUTPUT_TOKENS]) == (36, 87)
    assert a[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 8
    assert a[n.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] == 5
    assert otel.histogram_sum(n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: "output"}) == 87


# 13. Responses API: streams have spans, store=False keeps inputs, our bugs stay ours.
def test_p13_responses_store_false_keeps_inputs(telemetry, instrument):
    instrument(content="SPAN_ONLY")
    client = MockAPI(is_async=False).json(responses_body()).client()
    client.responses.create(model="gpt-4.1", input="remember nothing", store=False)
    inputs = json.loads(telemetry.span().attributes[n.GEN_AI_INPUT_MESSAGES])
    assert inputs == [{"role": "user", "parts": [{"type": "text",
                                                   "content": "remember nothing"}]}]


def test_p13_responses_mapping_bug_never_reaches_the_caller(otel, monkeypatch):
    def broken(*args, **kwargs):
        raise AttributeError("SpanAttributes has no LLM_REQUEST_REASONING_SUMMARY")

    monkeypatch.setitem(results.BUILDERS, RESPONSES, broken)
    client = MockAPI(is_async=False).json(responses_body("fine")).client()
    result = client.responses.create(model="gpt-4.1", input="hi")
    assert result.output_text == "fine"
    assert otel.span().name == "chat gpt-4.1"


# 15. SDK drift: a method missing in this SDK version does not stop the others.
def test_p15_missing_methods_do_not_abort_instrumentation(telemetry, monkeypatch):
    drifted = (
        Target("openai.resources.videos", "Videos", "edit", "chat", CALL),
        Target("openai.resources.not_a_module", "Nothing", "create", "chat", CALL),
        Target("openai.resources.embeddings", "NoSuchClass", "create", "embeddings", CALL),
        *TARGETS,
    )
    monkeypatch.setattr(llmlens_openai, "TARGETS", drifted)
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    try:
        api = MockAPI(is_async=False).json(embeddings_body()).json(completion_body())
        client = api.client()
        client.embeddings.create(model="text-embedding-3-small", input="x")
        client.completions.create(model="gpt-3.5-turbo-instruct", prompt="x")
    finally:
        instrumentor.uninstrument()
    assert sorted(s.name for s in telemetry.spans()) == [
        "embeddings text-embedding-3-small", "text_completion gpt-3.5-turbo-instruct"]


# 16. Without the SDK installed, instrumenting is quiet (no traceback, no warning).
def test_p16_quiet_without_the_sdk():
    code = """
import logging, sys
records = []
class Keep(logging.Handler):
    def emit(self, record):
        records.append(record)
logging.getLogger().addHandler(Keep(level=logging.WARNING))
sys.modules["openai"] = None  # as if it were not installed
from llmlens_openai import OpenAIInstrumentor
OpenAIInstrumentor().instrument(skip_dep_check=True)
OpenAIInstrumentor().uninstrument()
assert not records, [r.getMessage() for r in records]
"""
    subprocess.run([sys.executable, "-c", code], check=True)


# 17. The content switch is honoured everywhere, no prompt copy anywhere else.
def test_p17_no_content_anywhere_when_off(otel):
    api = MockAPI(is_async=False)
    api.json(chat_completion("out-secret-1")).json(responses_body("out-secret-2"))
    api.json(embeddings_body()).json(completion_body("out-secret-3"))
    client = api.client()
    client.chat.completions.create(model="m", messages=[
        {"role": "system", "content": "in-secret-0"}, {"role": "user", "content": "in-secret-1"}],
        user="user-secret-9", metadata={"note": "in-secret-5"})
    client.responses.create(model="m", input="in-secret-2", instructions="in-secret-3")
    client.embeddings.create(model="e", input="in-secret-4")
    client.completions.create(model="c", prompt="in-secret-6")
    assert len(otel.spans()) == 4
    text = "\n".join(iter_all_text(otel))
    assert "secret" not in text

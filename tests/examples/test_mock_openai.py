"""The mock server's OpenAI API, driven by the real openai SDK."""

from __future__ import annotations

import json
import math

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
        },
    },
}


def test_chat_completion_json_has_reply_usage_and_snapshot(openai_client):
    completion = openai_client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "What is tracing?"},
        ],
    )
    choice = completion.choices[0]
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == "gpt-4o-mini-2024-07-18"
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    words = choice.message.content.split()
    assert 12 <= len(words) <= 40
    assert completion.usage.prompt_tokens == 5  # "Be brief." + "What is tracing?"
    assert completion.usage.completion_tokens == len(words)
    assert completion.usage.total_tokens == 5 + len(words)


def test_streamed_chat_matches_json_and_ends_with_a_usage_chunk(openai_client):
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Tell me more"}]}
    whole = openai_client.chat.completions.create(**request).choices[0].message.content
    chunks = list(
        openai_client.chat.completions.create(
            **request, stream=True, stream_options={"include_usage": True}
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage.completion_tokens == len(whole.split())
    assert all(chunk.usage is None for chunk in chunks[:-1])
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in chunks[:-1])
    assert streamed == whole
    assert len({chunk.id for chunk in chunks}) == 1


def test_stream_without_include_usage_has_no_usage_chunk(openai_client):
    chunks = list(
        openai_client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], stream=True
        )
    )
    assert all(chunk.choices for chunk in chunks)
    assert all(chunk.usage is None for chunk in chunks)


def test_tool_call_round_trip(openai_client):
    messages = [{"role": "user", "content": "What is the weather in Paris?"}]
    first = openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
    )
    assert first.choices[0].finish_reason == "tool_calls"
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris"}
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "Sunny and 21 degrees"},
    ]
    second = openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=messages, tools=[WEATHER_TOOL]
    )
    assert second.choices[0].finish_reason == "stop"
    assert second.choices[0].message.content == "According to get_weather, Sunny and 21 degrees"
    # The first request's messages are now a cached prefix of the second.
    assert second.usage.prompt_tokens_details.cached_tokens == 6


def test_no_tool_call_when_the_prompt_does_not_ask(openai_client):
    completion = openai_client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Say hello"}],
        tools=[WEATHER_TOOL],
    )
    assert completion.choices[0].message.tool_calls is None
    assert completion.choices[0].finish_reason == "stop"


def test_streamed_tool_call_accumulates_with_the_sdk_helper(openai_client):
    with openai_client.chat.completions.stream(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Weather in Oslo please"}],
        tools=[WEATHER_TOOL],
        stream_options={"include_usage": True},
    ) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    call = final.choices[0].message.tool_calls[0]
    assert final.choices[0].finish_reason == "tool_calls"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Oslo"}
    assert final.usage.completion_tokens > 0


def test_max_tokens_truncates_with_finish_reason_length(openai_client):
    completion = openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Go on"}], max_tokens=3
    )
    assert completion.choices[0].finish_reason == "length"
    assert completion.usage.completion_tokens == 3


def test_responses_json(openai_client):
    response = openai_client.responses.create(
        model="gpt-4.1-mini", instructions="Be brief.", input="Explain spans"
    )
    assert response.status == "completed"
    assert response.id.startswith("resp_")
    assert response.model == "gpt-4.1-mini-2025-04-14"
    assert response.output[0].type == "message"
    assert response.usage.input_tokens == 4
    assert response.usage.output_tokens == len(response.output_text.split())


def test_responses_stream_has_the_real_event_sequence(openai_client):
    events = list(openai_client.responses.create(model="gpt-4.1-mini", input="Hi", stream=True))
    types = [event.type for event in events]
    deltas = types.count("response.output_text.delta")
    assert deltas > 0
    assert types == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * deltas,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [event.sequence_number for event in events] == list(range(len(events)))
    assert events[-1].response.usage.output_tokens == deltas


def test_responses_stream_helper_returns_the_final_response(openai_client):
    with openai_client.responses.stream(model="gpt-4.1-mini", input="Hi") as stream:
        texts = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(texts) == final.output_text


def test_responses_function_call(openai_client):
    tool = {"type": "function", **WEATHER_TOOL["function"]}
    events = list(
        openai_client.responses.create(
            model="gpt-4.1-mini", input="Weather in Rome?", tools=[tool], stream=True
        )
    )
    types = [event.type for event in events]
    assert "response.function_call_arguments.delta" in types
    assert types[-2:] == ["response.output_item.done", "response.completed"]
    item = events[-1].response.output[0]
    assert item.type == "function_call"
    assert json.loads(item.arguments) == {"city": "Rome"}


def test_embeddings_float_and_base64_agree_and_reflect_shared_words(openai_client):
    texts = ["the cat sat on the mat", "a cat on a mat", "quarterly revenue report"]
    as_floats = openai_client.embeddings.create(
        model="text-embedding-3-small", input=texts, encoding_format="float"
    )
    as_default = openai_client.embeddings.create(model="text-embedding-3-small", input=texts)
    vectors = [item.embedding for item in as_floats.data]
    assert len(vectors[0]) == 1536
    assert as_floats.usage.prompt_tokens == 6 + 5 + 3
    for left, right in zip(vectors, (item.embedding for item in as_default.data), strict=True):
        assert all(math.isclose(a, b, abs_tol=1e-6) for a, b in zip(left, right, strict=True))

    def cosine(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(vectors[0], vectors[1]) > cosine(vectors[0], vectors[2])


def test_embeddings_dimensions_parameter(openai_client):
    result = openai_client.embeddings.create(
        model="text-embedding-3-small", input="hello", dimensions=64, encoding_format="float"
    )
    assert len(result.data[0].embedding) == 64


def test_legacy_completions_json_and_stream(openai_client):
    whole = openai_client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=5
    )
    assert whole.object == "text_completion"
    assert whole.choices[0].finish_reason == "length"
    assert whole.usage.completion_tokens == 5
    chunks = list(
        openai_client.completions.create(
            model="gpt-3.5-turbo-instruct",
            prompt="Say hi",
            max_tokens=5,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert "".join(chunk.choices[0].text for chunk in chunks if chunk.choices) == (
        whole.choices[0].text
    )
    assert chunks[-1].usage.total_tokens == 7


def test_missing_model_is_a_400_in_openai_shape(openai_client):
    import openai
    import pytest

    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(model="", messages=[{"role": "user", "content": "x"}])
    assert caught.value.body["type"] == "invalid_request_error"


def test_stop_sequence_ends_the_text_before_it(openai_client):
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Tell me more"}]}
    whole = openai_client.chat.completions.create(**request).choices[0].message.content
    stop_word = whole.split()[3]
    cut = openai_client.chat.completions.create(**request, stop=[stop_word])
    assert cut.choices[0].finish_reason == "stop"
    assert cut.choices[0].message.content == whole[: whole.index(stop_word)].rstrip()
    assert cut.usage.completion_tokens == len(cut.choices[0].message.content.split())


def test_n_choices(openai_client):
    completion = openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}], n=2
    )
    assert [choice.index for choice in completion.choices] == [0, 1]
    texts = [choice.message.content for choice in completion.choices]
    assert texts[0] != texts[1]
    assert completion.usage.completion_tokens == sum(len(t.split()) for t in texts)

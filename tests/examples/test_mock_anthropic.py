"""The mock server's Anthropic Messages API, driven by the real anthropic SDK."""

from __future__ import annotations

MODEL = "claude-haiku-4-5"
WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Current weather in a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def test_message_json(anthropic_client):
    message = anthropic_client.messages.create(
        model=MODEL, max_tokens=200, messages=[{"role": "user", "content": "Hello there"}]
    )
    assert message.type == "message"
    assert message.id.startswith("msg_")
    assert message.model == "claude-haiku-4-5-20251001"
    assert message.stop_reason == "end_turn"
    assert message.content[0].type == "text"
    assert message.usage.input_tokens == 2
    assert message.usage.output_tokens == len(message.content[0].text.split())
    assert message.usage.cache_read_input_tokens == 0
    assert message.usage.cache_creation_input_tokens == 0


def test_stream_has_the_real_event_sequence(anthropic_client):
    events = list(
        anthropic_client.messages.create(
            model=MODEL,
            max_tokens=200,
            messages=[{"role": "user", "content": "Hello"}],
            stream=True,
        )
    )
    types = [event.type for event in events]
    deltas = types.count("content_block_delta")
    assert deltas > 0
    assert types == [
        "message_start",
        "content_block_start",
        *["content_block_delta"] * deltas,
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]  # the SDK drops the `ping` event it receives after content_block_start
    assert events[0].message.usage.input_tokens == 1
    assert events[-2].delta.stop_reason == "end_turn"
    assert events[-2].usage.output_tokens == deltas


def test_streamed_tool_use_with_input_json_delta(anthropic_client):
    with anthropic_client.messages.stream(
        model=MODEL,
        max_tokens=200,
        tools=[WEATHER_TOOL],
        messages=[{"role": "user", "content": "What is the weather in Lisbon?"}],
    ) as stream:
        events = list(stream)
        final = stream.get_final_message()
    delta_kinds = {event.delta.type for event in events if event.type == "content_block_delta"}
    assert delta_kinds == {"text_delta", "input_json_delta"}
    assert final.stop_reason == "tool_use"
    tool_use = final.content[-1]
    assert tool_use.type == "tool_use"
    assert tool_use.id.startswith("toolu_")
    assert tool_use.input == {"city": "Lisbon"}


def test_tool_result_round_trip(anthropic_client):
    messages = [{"role": "user", "content": "What is the weather in Lisbon?"}]
    first = anthropic_client.messages.create(
        model=MODEL, max_tokens=200, tools=[WEATHER_TOOL], messages=messages
    )
    tool_use = first.content[-1]
    messages += [
        {"role": "assistant", "content": [block.model_dump() for block in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "Rain"}],
        },
    ]
    second = anthropic_client.messages.create(
        model=MODEL, max_tokens=200, tools=[WEATHER_TOOL], messages=messages
    )
    assert second.stop_reason == "end_turn"
    assert second.content[0].text == "According to get_weather, Rain"


def test_cache_control_writes_then_reads(anthropic_client):
    request = {
        "model": MODEL,
        "max_tokens": 50,
        "system": [
            {
                "type": "text",
                "text": "You answer questions about tracing in plain words",
                "cache_control": {"type": "ephemeral"},
            }
        ],
        "messages": [{"role": "user", "content": "What is a span?"}],
    }
    first = anthropic_client.messages.create(**request).usage
    second = anthropic_client.messages.create(**request).usage
    assert (first.cache_creation_input_tokens, first.cache_read_input_tokens) == (8, 0)
    assert (second.cache_creation_input_tokens, second.cache_read_input_tokens) == (0, 8)
    assert first.input_tokens == second.input_tokens == 4


def test_streamed_usage_carries_cache_fields(anthropic_client):
    request = {
        "model": MODEL,
        "max_tokens": 50,
        "system": [
            {"type": "text", "text": "Cached system", "cache_control": {"type": "ephemeral"}}
        ],
        "messages": [{"role": "user", "content": "Hi"}],
    }
    anthropic_client.messages.create(**request)
    with anthropic_client.messages.stream(**request) as stream:
        final = stream.get_final_message()
    assert final.usage.cache_read_input_tokens == 2
    assert final.usage.input_tokens == 1


def test_max_tokens_gives_stop_reason_max_tokens(anthropic_client):
    message = anthropic_client.messages.create(
        model=MODEL, max_tokens=2, messages=[{"role": "user", "content": "Talk"}]
    )
    assert message.stop_reason == "max_tokens"
    assert message.usage.output_tokens == 2


def test_count_tokens(anthropic_client):
    counted = anthropic_client.messages.count_tokens(
        model=MODEL,
        system="Be brief",
        messages=[{"role": "user", "content": "one two three"}],
    )
    assert counted.input_tokens == 5


def test_missing_max_tokens_is_a_400_in_anthropic_shape(mock_server):
    import httpx

    response = httpx.post(
        mock_server.anthropic_base_url + "/v1/messages",
        headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        json={"model": MODEL, "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "error"
    assert body["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in body["error"]["message"]


def test_requests_without_a_key_are_rejected(mock_server):
    import httpx

    response = httpx.post(
        mock_server.anthropic_base_url + "/v1/messages",
        json={"model": MODEL, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
    )
    assert response.status_code == 401
    assert response.json()["error"]["type"] == "authentication_error"


def test_extended_thinking_block_comes_first_and_is_billed(anthropic_client):
    request = {
        "model": MODEL,
        "max_tokens": 400,
        "thinking": {"type": "enabled", "budget_tokens": 10},
        "messages": [{"role": "user", "content": "Why sample traces?"}],
    }
    message = anthropic_client.messages.create(**request)
    thinking, text = message.content
    assert thinking.type == "thinking"
    assert thinking.signature.startswith("sig")
    assert len(thinking.thinking.split()) == 10
    assert message.usage.output_tokens == 10 + len(text.text.split())
    with anthropic_client.messages.stream(**request) as stream:
        events = list(stream)
        final = stream.get_final_message()
    kinds = [e.delta.type for e in events if e.type == "content_block_delta"]
    assert kinds[:10] == ["thinking_delta"] * 10
    assert kinds[10] == "signature_delta"
    assert final.content[0].thinking == thinking.thinking
    assert final.content[1].text == text.text


def test_stop_sequences_report_which_one_stopped(anthropic_client):
    request = {"model": MODEL, "max_tokens": 200, "messages": [{"role": "user", "content": "Go"}]}
    whole = anthropic_client.messages.create(**request).content[0].text
    stop_word = whole.split()[2]
    cut = anthropic_client.messages.create(**request, stop_sequences=["never-there", stop_word])
    assert cut.stop_reason == "stop_sequence"
    assert cut.stop_sequence == stop_word
    assert cut.content[0].text == whole[: whole.index(stop_word)].rstrip()
    with anthropic_client.messages.stream(**request, stop_sequences=[stop_word]) as stream:
        final = stream.get_final_message()
    assert (final.stop_reason, final.stop_sequence) == ("stop_sequence", stop_word)

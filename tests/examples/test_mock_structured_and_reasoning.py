"""Structured output (JSON mode, JSON schema) and reasoning-model usage in the mock."""

from __future__ import annotations

import json

SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}, "days": {"type": "integer"}},
    "required": ["city", "days"],
    "additionalProperties": False,
}


def test_chat_json_schema_fills_the_schema(openai_client):
    completion = openai_client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Plan a trip to Kyoto"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "trip", "schema": SCHEMA, "strict": True},
        },
    )
    assert json.loads(completion.choices[0].message.content) == {"city": "Kyoto", "days": 3}


def test_streamed_json_mode_reassembles_into_json(openai_client):
    chunks = openai_client.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Answer in JSON"}],
        response_format={"type": "json_object"},
        stream=True,
    )
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert set(json.loads(text)) == {"answer"}


def test_responses_json_schema(openai_client):
    response = openai_client.responses.create(
        model="gpt-4.1-mini",
        input="Plan a trip to Kyoto",
        text={"format": {"type": "json_schema", "name": "trip", "schema": SCHEMA}},
    )
    assert json.loads(response.output_text) == {"city": "Kyoto", "days": 3}


def test_reasoning_model_reports_reasoning_tokens_within_output(openai_client):
    completion = openai_client.chat.completions.create(
        model="o4-mini", messages=[{"role": "user", "content": "Think about spans"}]
    )
    visible = len(completion.choices[0].message.content.split())
    details = completion.usage.completion_tokens_details
    assert details.reasoning_tokens == 8 + visible
    assert completion.usage.completion_tokens == visible + details.reasoning_tokens
    plain = openai_client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Think about spans"}]
    )
    assert plain.usage.completion_tokens_details.reasoning_tokens == 0


def test_reasoning_model_responses_stream_has_a_reasoning_item_first(openai_client):
    events = list(openai_client.responses.create(model="gpt-5-mini", input="Hi", stream=True))
    added = [e for e in events if e.type == "response.output_item.added"]
    assert [e.item.type for e in added] == ["reasoning", "message"]
    assert [e.output_index for e in added] == [0, 1]
    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert {e.output_index for e in deltas} == {1}
    final = events[-1].response
    assert [item.type for item in final.output] == ["reasoning", "message"]
    assert final.usage.output_tokens_details.reasoning_tokens == 8 + len(deltas)
    assert final.output_text == "".join(e.delta for e in deltas)

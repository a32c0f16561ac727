"""Async SDK clients and concurrent requests against the threaded mock server."""

from __future__ import annotations

import asyncio
import json

import anthropic
import openai


async def test_concurrent_async_streams_from_both_sdks(mock_server):
    openai_client = openai.AsyncOpenAI(base_url=mock_server.openai_base_url, api_key="k")
    anthropic_client = anthropic.AsyncAnthropic(
        base_url=mock_server.anthropic_base_url, api_key="k"
    )

    async def openai_text(index: int) -> str:
        stream = await openai_client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": f"question {index}"}],
            stream=True,
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])

    async def anthropic_text(index: int) -> str:
        async with anthropic_client.messages.stream(
            model="claude-haiku-4-5",
            max_tokens=100,
            messages=[{"role": "user", "content": f"question {index}"}],
        ) as stream:
            return (await stream.get_final_message()).content[0].text

    texts = await asyncio.gather(
        *(openai_text(i) for i in range(6)), *(anthropic_text(i) for i in range(6))
    )
    await openai_client.close()
    await anthropic_client.close()
    assert all(texts)
    assert mock_server.stats["requests /v1/chat/completions"] == 6
    assert mock_server.stats["requests /v1/messages"] == 6


def test_responses_function_call_output_round_trip(openai_client):
    tool = {
        "type": "function",
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
    }
    first = openai_client.responses.create(
        model="gpt-4.1-mini", input="Weather in Rome?", tools=[tool]
    )
    call = first.output[0]
    assert call.type == "function_call"
    second = openai_client.responses.create(
        model="gpt-4.1-mini",
        tools=[tool],
        input=[
            {"role": "user", "content": "Weather in Rome?"},
            {
                "type": "function_call",
                "call_id": call.call_id,
                "name": call.name,
                "arguments": call.arguments,
            },
            {"type": "function_call_output", "call_id": call.call_id, "output": "Warm"},
        ],
    )
    assert second.output_text == "According to get_weather, Warm"
    assert json.loads(call.arguments) == {"city": "Rome"}

"""An OpenAI chat for a few users: a streamed answer, a tool call round trip, and a
one-line summary through the Responses API.

Run it instrumented, against the local mock server or the real API:

    export OPENAI_BASE_URL=http://127.0.0.1:PORT/v1   # the mock server; or a real OPENAI_API_KEY
    opentelemetry-instrument python examples/openai_chat.py

It imports no llmlens code: whatever instrumentation is installed does the tracing.
"""

from __future__ import annotations

import json
import os

import openai
from demo_users import acting_as
from opentelemetry import trace

MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
USERS = [("alice", "search"), ("bob", "support"), ("carol", "support")]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string", "description": "City name"}},
            "required": ["city"],
        },
    },
}
tracer = trace.get_tracer("examples.openai_chat")



def get_weather(city: str) -> str:
    return f"Sunny and 21 degrees in {city}"


def streamed_answer(client: openai.OpenAI, question: str) -> str:
    stream = client.chat.completions.create(
        model=MODEL,
        messages=[
            {"role": "system", "content": "You are a concise assistant."},
            {"role": "user", "content": question},
        ],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts = []
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
    return "".join(parts)


def answer_with_tool(client: openai.OpenAI, question: str) -> str:
    messages: list[dict] = [{"role": "user", "content": question}]
    first = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    message = first.choices[0].message
    if not message.tool_calls:
        return message.content or ""
    messages.append(message.model_dump(exclude_none=True))
    for call in message.tool_calls:
        arguments = json.loads(call.function.arguments)
        with tracer.start_as_current_span(f"execute_tool {call.function.name}") as span:
            span.set_attribute("gen_ai.operation.name", "execute_tool")
            span.set_attribute("gen_ai.tool.name", call.function.name)
            span.set_attribute("gen_ai.tool.call.id", call.id)
            result = get_weather(**arguments)
        messages.append({"role": "tool", "tool_call_id": call.id, "content": result})
    second = client.chat.completions.create(model=MODEL, messages=messages, tools=[WEATHER_TOOL])
    return second.choices[0].message.content or ""


def one_line_summary(client: openai.OpenAI, text: str) -> str:
    response = client.responses.create(
        model=MODEL, instructions="Summarize in one line.", input=text, max_output_tokens=12
    )
    return response.output_text


def main() -> None:
    if os.environ.get("OPENAI_BASE_URL"):
        os.environ.setdefault("OPENAI_API_KEY", "mock-key")  # the mock server takes any key
    client = openai.OpenAI()
    cities = ["Paris", "Oslo", "Lisbon"]
    for (user_id, team), city in zip(USERS, cities, strict=True):
        with acting_as(user_id, team), tracer.start_as_current_span("chat session"):
            answer = streamed_answer(client, "What does observability mean?")
            print(f"[{user_id}] {answer}")
            print(f"[{user_id}] {answer_with_tool(client, f'What is the weather in {city}?')}")
            print(f"[{user_id}] summary: {one_line_summary(client, answer)}")


if __name__ == "__main__":
    main()

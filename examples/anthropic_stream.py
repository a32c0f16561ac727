"""An Anthropic streaming chat for a few users, with a cached system prompt.

    export ANTHROPIC_BASE_URL=http://127.0.0.1:PORT   # the mock server; or a real ANTHROPIC_API_KEY
    opentelemetry-instrument python examples/anthropic_stream.py

It imports no llmlens code: whatever instrumentation is installed does the tracing.
"""

from __future__ import annotations

import os

import anthropic
from demo_users import acting_as
from opentelemetry import trace

MODEL = os.environ.get("ANTHROPIC_MODEL", "claude-haiku-4-5")
USERS = [("dave", "research"), ("erin", "research"), ("alice", "search")]
# Long and stable system prompts are what prompt caching is for: the second user reads it.
SYSTEM = [
    {
        "type": "text",
        "text": "You are a patient tutor who explains telemetry concepts with short examples.",
        "cache_control": {"type": "ephemeral"},
    }
]
tracer = trace.get_tracer("examples.anthropic_stream")



def stream_answer(client: anthropic.Anthropic, question: str) -> str:
    with client.messages.stream(
        model=MODEL,
        max_tokens=256,
        system=SYSTEM,
        messages=[{"role": "user", "content": question}],
    ) as stream:
        for text in stream.text_stream:
            print(text, end="", flush=True)
        print()
        return stream.get_final_message().content[0].text


def main() -> None:
    if os.environ.get("ANTHROPIC_BASE_URL"):
        os.environ.setdefault("ANTHROPIC_API_KEY", "mock-key")  # the mock server takes any key
    client = anthropic.Anthropic()
    questions = ["What is a trace?", "What is a span?", "Why sample traces?"]
    for (user_id, team), question in zip(USERS, questions, strict=True):
        with acting_as(user_id, team), tracer.start_as_current_span("tutor session"):
            print(f"[{user_id}] ", end="")
            stream_answer(client, question)


if __name__ == "__main__":
    main()

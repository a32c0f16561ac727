"""An instrumented app for the Prometheus integration test.

Run under ``opentelemetry-instrument`` against the mock LLM server; it makes
every kind of call the dashboards and rules look at (chat, streams, errors,
embeddings, an unpriced model, tools, agents, evaluations, attribution) until
it is stopped.
"""

from __future__ import annotations

import time

import openai

import llmlens

MESSAGES = [{"role": "user", "content": "Say hello"}]


def one_round(client: openai.OpenAI) -> None:
    with (llmlens.attribute(team="search", tenant="acme"), llmlens.workflow("support-flow"),
          llmlens.agent("support")):
        with llmlens.tool("lookup"):
            pass
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
        llmlens.evaluate("helpfulness", score=0.8, response_id=reply.id)
        stream = client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True,
            stream_options={"include_usage": True})
        for _ in stream:
            pass
        for fault in ("500", "429"):
            try:
                client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES,
                                               extra_headers={"x-mock-fault": fault})
            except openai.APIError:
                pass
        client.chat.completions.create(model="llmlens-unpriced-test-model", messages=MESSAGES)
        client.embeddings.create(model="text-embedding-3-small", input="hello")
        try:
            with llmlens.tool("fragile"):
                raise ValueError("tool failed")
        except ValueError:
            pass


def main() -> None:
    client = openai.OpenAI(max_retries=0)
    print("ready", flush=True)
    while True:
        one_round(client)
        time.sleep(0.2)


if __name__ == "__main__":
    main()

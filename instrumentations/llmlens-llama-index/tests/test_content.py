"""Opt-in content of LLM calls over the OpenAI integration; credentials never
recorded whatever the content mode."""

from __future__ import annotations

import json

from llama_index.core.llms import ChatMessage
from llama_index.llms.openai import OpenAI
from openai_api import OpenAIMock, chat_completion
from trees import one

from llmlens_semconv import names as n
from llmlens_semconv.testing import iter_all_text

API_KEY = "sk-test-secret-key-123"


def _chat(telemetry) -> None:
    api = OpenAIMock().reply("/chat/completions", chat_completion(
        "Paris.", prompt_tokens=20, completion_tokens=2))
    llm = OpenAI(model="gpt-4o-mini", api_key=API_KEY, max_retries=0,
                 http_client=api.client(), async_http_client=api.async_client())
    llm.chat([
        ChatMessage(role="system", content="Answer in one word."),
        ChatMessage(role="user", content="Capital of France?"),
    ])


def test_system_input_and_output_messages_when_opted_in(content_telemetry):
    _chat(content_telemetry)

    span = one(content_telemetry.spans(), "chat gpt-4o-mini")
    system = json.loads(span.attributes[n.GEN_AI_SYSTEM_INSTRUCTIONS])
    assert system == [{"type": "text", "content": "Answer in one word."}]
    inputs = json.loads(span.attributes[n.GEN_AI_INPUT_MESSAGES])
    assert inputs == [{"role": "user",
                       "parts": [{"type": "text", "content": "Capital of France?"}]}]
    outputs = json.loads(span.attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert outputs[0]["role"] == "assistant"
    assert outputs[0]["parts"][0]["content"] == "Paris."
    assert outputs[0]["finish_reason"] == "stop"
    assert API_KEY not in "\n".join(iter_all_text(content_telemetry))


def test_no_content_and_no_credentials_by_default(telemetry):
    _chat(telemetry)

    text = "\n".join(iter_all_text(telemetry))
    assert "Capital of France" not in text
    assert "one word" not in text
    assert "Paris." not in text
    assert API_KEY not in text

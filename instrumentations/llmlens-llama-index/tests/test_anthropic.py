"""llama-index-llms-anthropic over the real Anthropic SDK, HTTP mocked at the
transport: the LlamaIndex span carries the usage as Anthropic bills it (cache
reads and writes inside the input tokens).

The integration builds its SDK client itself (no ``http_client=``); the test
hands it one built with a mock transport. llama-index-llms-anthropic of
today works with the 0.x SDK only, which llmlens-anthropic does not
instrument: no SDK span here, so the LlamaIndex span counts the tokens."""

from __future__ import annotations

import anthropic
import httpx
from llama_index.core.llms import ChatMessage
from llama_index.llms.anthropic import Anthropic
from trees import one

from llmlens_semconv import names as n

MESSAGE = {
    "id": "msg_01", "type": "message", "role": "assistant",
    "model": "claude-sonnet-4-5-20250929",
    "content": [{"type": "text", "text": "Paris."}],
    "stop_reason": "end_turn", "stop_sequence": None,
    "usage": {"input_tokens": 12, "output_tokens": 3,
              "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20},
}


def test_anthropic_usage_counts_cache_inside_input(telemetry):
    sent = []

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.path)
        return httpx.Response(200, json=MESSAGE)

    llm = Anthropic(model="claude-sonnet-4-5", api_key="sk-ant-test", max_retries=0)
    llm._client = anthropic.Anthropic(
        api_key="sk-ant-test", max_retries=0,
        http_client=httpx.Client(transport=httpx.MockTransport(handle)))

    reply = llm.chat([ChatMessage(role="user", content="Capital of France?")])

    assert reply.message.content == "Paris."
    assert sent == ["/v1/messages"]
    span = one(telemetry.spans(), "chat claude-sonnet-4-5")
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_ANTHROPIC
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 132
    assert span.attributes[n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] == 100
    assert span.attributes[n.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] == 20
    assert span.attributes[n.GEN_AI_USAGE_OUTPUT_TOKENS] == 3
    assert span.attributes[n.GEN_AI_RESPONSE_FINISH_REASONS] == ("end_turn",)
    assert span.attributes[n.GEN_AI_RESPONSE_ID] == "msg_01"
    assert telemetry.histogram_sum(
        n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_INPUT}) == 132
    assert telemetry.histogram_sum(
        n.METRIC_TOKEN_USAGE, **{n.GEN_AI_TOKEN_TYPE: n.TOKEN_TYPE_OUTPUT}) == 3

"""gen_ai.provider.name, server.address and server.port from the client."""

from __future__ import annotations

import pytest
from mock_api import MockAPI, chat_completion

from llmlens_semconv import names as n


@pytest.mark.parametrize(
    ("base_url", "provider", "address", "port"),
    [
        ("https://api.openai.com/v1", n.PROVIDER_OPENAI, "api.openai.com", 443),
        ("https://api.groq.com/openai/v1", n.PROVIDER_GROQ, "api.groq.com", 443),
        ("https://api.deepseek.com", n.PROVIDER_DEEPSEEK, "api.deepseek.com", 443),
        ("https://api.x.ai/v1", n.PROVIDER_X_AI, "api.x.ai", 443),
        ("https://api.mistral.ai/v1", n.PROVIDER_MISTRAL_AI, "api.mistral.ai", 443),
        ("https://api.perplexity.ai", n.PROVIDER_PERPLEXITY, "api.perplexity.ai", 443),
        ("https://api.moonshot.ai/v1", n.PROVIDER_MOONSHOT_AI, "api.moonshot.ai", 443),
        ("https://generativelanguage.googleapis.com/v1beta/openai/", n.PROVIDER_GCP_GEMINI,
         "generativelanguage.googleapis.com", 443),
        ("https://myres.services.ai.azure.com/models", n.PROVIDER_AZURE_INFERENCE,
         "myres.services.ai.azure.com", 443),
        ("http://localhost:11434/v1", n.PROVIDER_OPENAI, "localhost", 11434),
        ("http://127.0.0.1/v1", n.PROVIDER_OPENAI, "127.0.0.1", 80),
    ],
)
async def test_provider_from_base_url(otel, is_async, base_url, provider, address, port):
    client = MockAPI(is_async=is_async).json(chat_completion()).client(base_url=base_url)
    call = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    if is_async:
        await call
    span = otel.span()
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == provider
    assert span.attributes[n.SERVER_ADDRESS] == address
    assert span.attributes[n.SERVER_PORT] == port
    assert otel.histogram_count(n.METRIC_OPERATION_DURATION,
                                **{n.GEN_AI_PROVIDER_NAME: provider}) == 1


async def test_azure_client(otel, is_async):
    api = MockAPI(is_async=is_async).json(chat_completion())
    client = api.client(azure=True)
    call = client.chat.completions.create(model="my-deployment",
                                          messages=[{"role": "user", "content": "x"}])
    if is_async:
        await call
    span = otel.span()
    assert span.attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_AZURE_OPENAI
    assert span.attributes[n.SERVER_ADDRESS] == "myres.openai.azure.com"
    assert span.attributes[n.SERVER_PORT] == 443
    assert api.requests[0]["path"].startswith("/openai/deployments/my-deployment")


def test_azure_client_on_a_custom_domain(otel):
    client = MockAPI(is_async=False).json(chat_completion()).client(
        azure=True, base_url="https://llm-gateway.example.org")
    client.chat.completions.create(model="d", messages=[{"role": "user", "content": "x"}])
    assert otel.span().attributes[n.GEN_AI_PROVIDER_NAME] == n.PROVIDER_AZURE_OPENAI

"""Which GenAI provider and server a client talks to, from the client itself.

The OpenAI SDK is also the client of many OpenAI-compatible services; the
provider name comes from the client class (Azure) or the base URL's host.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from llmlens_semconv import names as n

# host suffix -> provider name; the first match wins
_HOST_SUFFIXES: tuple[tuple[str, str], ...] = (
    (".openai.azure.com", n.PROVIDER_AZURE_OPENAI),
    (".cognitiveservices.azure.com", n.PROVIDER_AZURE_OPENAI),
    (".services.ai.azure.com", n.PROVIDER_AZURE_INFERENCE),
    ("models.inference.ai.azure.com", n.PROVIDER_AZURE_INFERENCE),
    ("models.github.ai", n.PROVIDER_AZURE_INFERENCE),
    ("api.groq.com", n.PROVIDER_GROQ),
    ("api.deepseek.com", n.PROVIDER_DEEPSEEK),
    ("api.x.ai", n.PROVIDER_X_AI),
    ("api.mistral.ai", n.PROVIDER_MISTRAL_AI),
    ("api.perplexity.ai", n.PROVIDER_PERPLEXITY),
    ("api.moonshot.ai", n.PROVIDER_MOONSHOT_AI),
    ("api.moonshot.cn", n.PROVIDER_MOONSHOT_AI),
    ("generativelanguage.googleapis.com", n.PROVIDER_GCP_GEMINI),
    ("aiplatform.googleapis.com", n.PROVIDER_GCP_VERTEX_AI),
    ("api.anthropic.com", n.PROVIDER_ANTHROPIC),
    ("api.cohere.ai", n.PROVIDER_COHERE),
    ("api.cohere.com", n.PROVIDER_COHERE),
    (".amazonaws.com", n.PROVIDER_AWS_BEDROCK),
)
_DEFAULT_PORTS = {"https": 443, "http": 80}


@dataclass(frozen=True, slots=True)
class Endpoint:
    provider: str
    address: str | None
    port: int | None


@lru_cache(maxsize=64)
def _endpoint_of(host: str, scheme: str, port: int | None, azure: bool) -> Endpoint:
    host = host.lower()
    provider = n.PROVIDER_AZURE_OPENAI if azure else n.PROVIDER_OPENAI
    if not azure:
        for suffix, name in _HOST_SUFFIXES:
            if host.endswith(suffix) or host == suffix.lstrip("."):
                provider = name
                break
    return Endpoint(provider, host or None, port or _DEFAULT_PORTS.get(scheme))


# client -> (its base URL object, the endpoint derived from it): computed
# once per client, again only when the client's base URL is replaced
_by_client: weakref.WeakKeyDictionary[Any, tuple[Any, Endpoint]] = weakref.WeakKeyDictionary()


def endpoint_of(resource: Any) -> Endpoint:
    """Provider, server address and port of the client behind a resource."""
    client = getattr(resource, "_client", None)
    # the URL object the SDK stores (replaced when base_url is set); reading
    # the public property costs more than the rest of this together
    stored = getattr(client, "_base_url", None)
    try:
        known = _by_client.get(client)
    except TypeError:  # not weak-referenceable
        return _derive(client, getattr(client, "base_url", None))
    if known is not None and stored is not None and known[0] is stored:
        return known[1]
    endpoint = _derive(client, getattr(client, "base_url", None))
    _by_client[client] = (stored, endpoint)
    return endpoint


def _derive(client: Any, url: Any) -> Endpoint:
    azure = _is_azure(type(client))
    if url is None:
        return Endpoint(n.PROVIDER_AZURE_OPENAI if azure else n.PROVIDER_OPENAI, None, None)
    return _endpoint_of(
        str(getattr(url, "host", "") or ""), str(getattr(url, "scheme", "") or ""),
        getattr(url, "port", None), azure,
    )


@lru_cache(maxsize=32)
def _is_azure(client_type: type) -> bool:
    for cls in client_type.__mro__:
        if cls.__name__ in ("AzureOpenAI", "AsyncAzureOpenAI"):
            return True
    return False

"""LangChain's ``ls_provider`` metadata mapped to the conventions' provider names."""

from __future__ import annotations

from llmlens_semconv import names as n

_PROVIDERS: dict[str, str] = {
    "openai": n.PROVIDER_OPENAI,
    "anthropic": n.PROVIDER_ANTHROPIC,
    "azure": n.PROVIDER_AZURE_OPENAI,
    "azure_openai": n.PROVIDER_AZURE_OPENAI,
    "azure_ai": n.PROVIDER_AZURE_INFERENCE,
    "amazon_bedrock": n.PROVIDER_AWS_BEDROCK,
    "bedrock": n.PROVIDER_AWS_BEDROCK,
    "bedrock_converse": n.PROVIDER_AWS_BEDROCK,
    "google_vertexai": n.PROVIDER_GCP_VERTEX_AI,
    "google_anthropic_vertex": n.PROVIDER_GCP_VERTEX_AI,
    "google_genai": n.PROVIDER_GCP_GEN_AI,
    "google_gemini": n.PROVIDER_GCP_GEMINI,
    "cohere": n.PROVIDER_COHERE,
    "ibm": n.PROVIDER_IBM_WATSONX,
    "watsonx": n.PROVIDER_IBM_WATSONX,
    "perplexity": n.PROVIDER_PERPLEXITY,
    "xai": n.PROVIDER_X_AI,
    "deepseek": n.PROVIDER_DEEPSEEK,
    "groq": n.PROVIDER_GROQ,
    "mistral": n.PROVIDER_MISTRAL_AI,
    "mistralai": n.PROVIDER_MISTRAL_AI,
    "moonshot": n.PROVIDER_MOONSHOT_AI,
}


def provider_name(ls_provider: object) -> str | None:
    """The conventions' name for a LangChain provider; unknown providers keep
    LangChain's own spelling (the conventions allow custom values)."""
    if not isinstance(ls_provider, str) or not ls_provider:
        return None
    key = ls_provider.strip().lower()
    return _PROVIDERS.get(key, key)

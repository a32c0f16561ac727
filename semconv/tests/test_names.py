"""The names module against the conventions we follow."""

from __future__ import annotations

from llmlens_semconv import names as n

# Facts from the GenAI conventions reference (attribute and metric names the
# official Python GenAI instrumentations emit today).
REFERENCE_ATTRIBUTES = {
    "gen_ai.operation.name", "gen_ai.provider.name", "gen_ai.request.model",
    "gen_ai.request.max_tokens", "gen_ai.request.choice.count", "gen_ai.request.seed",
    "gen_ai.request.temperature", "gen_ai.request.top_p", "gen_ai.request.top_k",
    "gen_ai.request.frequency_penalty", "gen_ai.request.presence_penalty",
    "gen_ai.request.stop_sequences", "gen_ai.request.encoding_formats", "gen_ai.request.stream",
    "gen_ai.request.reasoning.level", "gen_ai.request.previous_response.id",
    "gen_ai.output.type", "gen_ai.response.id", "gen_ai.response.model",
    "gen_ai.response.finish_reasons", "gen_ai.response.time_to_first_chunk",
    "gen_ai.response.status", "gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens",
    "gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_write.input_tokens",
    "gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.audio.input_tokens",
    "gen_ai.usage.audio.output_tokens", "gen_ai.usage.image.input_tokens", "gen_ai.token.type",
    "gen_ai.conversation.id", "gen_ai.agent.id", "gen_ai.agent.name",
    "gen_ai.agent.description", "gen_ai.agent.version", "gen_ai.workflow.name",
    "gen_ai.tool.name", "gen_ai.tool.call.id", "gen_ai.tool.description", "gen_ai.tool.type",
    "gen_ai.data_source.id", "gen_ai.retrieval.top_k", "gen_ai.embeddings.dimension.count",
    "gen_ai.prompt.name", "gen_ai.prompt.version", "gen_ai.system_instructions",
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.tool.definitions",
    "gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "gen_ai.retrieval.query.text",
    "gen_ai.retrieval.documents", "gen_ai.evaluation.name", "gen_ai.evaluation.score.value",
    "gen_ai.evaluation.score.label", "gen_ai.evaluation.explanation",
}
REFERENCE_METRICS = {
    "gen_ai.client.operation.duration": (0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28,
                                         2.56, 5.12, 10.24, 20.48, 40.96, 81.92),
    "gen_ai.client.token.usage": (1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144,
                                  1048576, 4194304, 16777216, 67108864),
    "gen_ai.client.operation.time_to_first_chunk": None,
    "gen_ai.client.operation.time_per_output_chunk": None,
}
REFERENCE_PROVIDERS = {
    "openai", "gcp.gen_ai", "gcp.vertex_ai", "gcp.gemini", "anthropic", "cohere",
    "azure.ai.inference", "azure.ai.openai", "ibm.watsonx.ai", "aws.bedrock", "perplexity",
    "x_ai", "deepseek", "groq", "mistral_ai", "moonshot_ai",
}


def exported_strings() -> dict[str, str]:
    return {k: v for k, v in vars(n).items() if k.isupper() and isinstance(v, str)}


def test_no_deprecated_name_is_exported() -> None:
    values = set(exported_strings().values())
    assert not values & n.DEPRECATED_NAMES
    for deprecated in ("gen_ai.system", "gen_ai.usage.prompt_tokens",
                       "gen_ai.usage.completion_tokens", "gen_ai.prompt", "gen_ai.completion"):
        assert deprecated not in values
    assert not any(v.startswith("gen_ai.openai.") for v in values)


def test_every_gen_ai_attribute_is_in_the_reference() -> None:
    attribute_constants = {
        v for k, v in exported_strings().items()
        if k.startswith("GEN_AI_") and not k.endswith("_PREFIX")
    }
    assert attribute_constants <= REFERENCE_ATTRIBUTES, attribute_constants - REFERENCE_ATTRIBUTES


def test_metrics_and_buckets_match_the_reference() -> None:
    for name, buckets in REFERENCE_METRICS.items():
        assert name in n.HISTOGRAM_BUCKETS
        if buckets is not None:
            assert tuple(n.HISTOGRAM_BUCKETS[name]) == buckets
    assert n.HISTOGRAM_BUCKETS[n.METRIC_TIME_TO_FIRST_CHUNK] == n.DURATION_BUCKETS


def test_provider_names_are_the_reference_enum() -> None:
    providers = {v for k, v in exported_strings().items() if k.startswith("PROVIDER_")}
    assert providers <= REFERENCE_PROVIDERS


def test_extensions_live_under_llmlens() -> None:
    for key, value in exported_strings().items():
        if key.startswith("LLMLENS_") or (key.startswith("METRIC_") and "llmlens" in value):
            assert value.startswith("llmlens."), key


def test_deprecated_set_names_the_renamed_cache_attribute() -> None:
    assert "gen_ai.usage.cache_creation.input_tokens" in n.DEPRECATED_NAMES
    assert n.GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS == "gen_ai.usage.cache_write.input_tokens"

"""Every telemetry name llmlens emits, in one place.

GenAI names follow the names the official OpenTelemetry Python GenAI
instrumentations emit (see ``SEMCONV_REFERENCE``); ``llmlens.*`` names are our
own extensions. A rename upstream is one edit here. Instrumentors never spell
an attribute name themselves: they fill a record and the emitter uses these.
"""

from __future__ import annotations

from typing import Final

# The GenAI conventions we follow: the names of the official Python GenAI
# instrumentations as of autumn 2026 (semantic-conventions-genai, untagged).
SEMCONV_REFERENCE: Final = "gen_ai-2026-autumn"
SCHEMA_URL: Final = "https://opentelemetry.io/schemas/1.41.0"

# --- attributes -------------------------------------------------------------
GEN_AI_OPERATION_NAME: Final = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME: Final = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL: Final = "gen_ai.request.model"
GEN_AI_REQUEST_MAX_TOKENS: Final = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_CHOICE_COUNT: Final = "gen_ai.request.choice.count"
GEN_AI_REQUEST_SEED: Final = "gen_ai.request.seed"
GEN_AI_REQUEST_TEMPERATURE: Final = "gen_ai.request.temperature"
GEN_AI_REQUEST_TOP_P: Final = "gen_ai.request.top_p"
GEN_AI_REQUEST_TOP_K: Final = "gen_ai.request.top_k"
GEN_AI_REQUEST_FREQUENCY_PENALTY: Final = "gen_ai.request.frequency_penalty"
GEN_AI_REQUEST_PRESENCE_PENALTY: Final = "gen_ai.request.presence_penalty"
GEN_AI_REQUEST_STOP_SEQUENCES: Final = "gen_ai.request.stop_sequences"
GEN_AI_REQUEST_ENCODING_FORMATS: Final = "gen_ai.request.encoding_formats"
GEN_AI_REQUEST_STREAM: Final = "gen_ai.request.stream"
GEN_AI_REQUEST_REASONING_LEVEL: Final = "gen_ai.request.reasoning.level"
GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID: Final = "gen_ai.request.previous_response.id"
GEN_AI_OUTPUT_TYPE: Final = "gen_ai.output.type"

GEN_AI_RESPONSE_ID: Final = "gen_ai.response.id"
GEN_AI_RESPONSE_MODEL: Final = "gen_ai.response.model"
GEN_AI_RESPONSE_FINISH_REASONS: Final = "gen_ai.response.finish_reasons"
GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK: Final = "gen_ai.response.time_to_first_chunk"
GEN_AI_RESPONSE_STATUS: Final = "gen_ai.response.status"

GEN_AI_USAGE_INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: Final = "gen_ai.usage.cache_read.input_tokens"
GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS: Final = "gen_ai.usage.cache_write.input_tokens"
GEN_AI_USAGE_REASONING_OUTPUT_TOKENS: Final = "gen_ai.usage.reasoning.output_tokens"
GEN_AI_USAGE_AUDIO_INPUT_TOKENS: Final = "gen_ai.usage.audio.input_tokens"
GEN_AI_USAGE_AUDIO_OUTPUT_TOKENS: Final = "gen_ai.usage.audio.output_tokens"
GEN_AI_USAGE_IMAGE_INPUT_TOKENS: Final = "gen_ai.usage.image.input_tokens"
GEN_AI_TOKEN_TYPE: Final = "gen_ai.token.type"

GEN_AI_CONVERSATION_ID: Final = "gen_ai.conversation.id"
GEN_AI_AGENT_ID: Final = "gen_ai.agent.id"
GEN_AI_AGENT_NAME: Final = "gen_ai.agent.name"
GEN_AI_AGENT_DESCRIPTION: Final = "gen_ai.agent.description"
GEN_AI_AGENT_VERSION: Final = "gen_ai.agent.version"
GEN_AI_WORKFLOW_NAME: Final = "gen_ai.workflow.name"
GEN_AI_TOOL_NAME: Final = "gen_ai.tool.name"
GEN_AI_TOOL_CALL_ID: Final = "gen_ai.tool.call.id"
GEN_AI_TOOL_DESCRIPTION: Final = "gen_ai.tool.description"
GEN_AI_TOOL_TYPE: Final = "gen_ai.tool.type"
GEN_AI_DATA_SOURCE_ID: Final = "gen_ai.data_source.id"
GEN_AI_RETRIEVAL_TOP_K: Final = "gen_ai.retrieval.top_k"
GEN_AI_EMBEDDINGS_DIMENSION_COUNT: Final = "gen_ai.embeddings.dimension.count"
GEN_AI_PROMPT_NAME: Final = "gen_ai.prompt.name"
GEN_AI_PROMPT_VERSION: Final = "gen_ai.prompt.version"
GEN_AI_PROMPT_VARIABLE_PREFIX: Final = "gen_ai.prompt.variable."

# opt-in content attributes
GEN_AI_SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"
GEN_AI_INPUT_MESSAGES: Final = "gen_ai.input.messages"
GEN_AI_OUTPUT_MESSAGES: Final = "gen_ai.output.messages"
GEN_AI_TOOL_DEFINITIONS: Final = "gen_ai.tool.definitions"
GEN_AI_TOOL_CALL_ARGUMENTS: Final = "gen_ai.tool.call.arguments"
GEN_AI_TOOL_CALL_RESULT: Final = "gen_ai.tool.call.result"
GEN_AI_RETRIEVAL_QUERY_TEXT: Final = "gen_ai.retrieval.query.text"
GEN_AI_RETRIEVAL_DOCUMENTS: Final = "gen_ai.retrieval.documents"

# evaluation event
GEN_AI_EVALUATION_NAME: Final = "gen_ai.evaluation.name"
GEN_AI_EVALUATION_SCORE_VALUE: Final = "gen_ai.evaluation.score.value"
GEN_AI_EVALUATION_SCORE_LABEL: Final = "gen_ai.evaluation.score.label"
GEN_AI_EVALUATION_EXPLANATION: Final = "gen_ai.evaluation.explanation"

# general conventions used beside the GenAI ones
SERVER_ADDRESS: Final = "server.address"
SERVER_PORT: Final = "server.port"
ERROR_TYPE: Final = "error.type"
ERROR_TYPE_OTHER: Final = "_OTHER"
USER_ID: Final = "user.id"
SESSION_ID: Final = "session.id"

# provider-specific (OpenAI refinement)
OPENAI_REQUEST_SERVICE_TIER: Final = "openai.request.service_tier"
OPENAI_RESPONSE_SERVICE_TIER: Final = "openai.response.service_tier"
OPENAI_RESPONSE_SYSTEM_FINGERPRINT: Final = "openai.response.system_fingerprint"
OPENAI_API_TYPE: Final = "openai.api.type"
OPENAI_API_TYPE_CHAT_COMPLETIONS: Final = "chat_completions"
OPENAI_API_TYPE_RESPONSES: Final = "responses"

# --- operation names --------------------------------------------------------
OP_CHAT: Final = "chat"
OP_GENERATE_CONTENT: Final = "generate_content"
OP_TEXT_COMPLETION: Final = "text_completion"
OP_EMBEDDINGS: Final = "embeddings"
OP_RETRIEVAL: Final = "retrieval"
OP_EXECUTE_TOOL: Final = "execute_tool"
OP_CREATE_AGENT: Final = "create_agent"
OP_INVOKE_AGENT: Final = "invoke_agent"
OP_INVOKE_WORKFLOW: Final = "invoke_workflow"
OP_FETCH_RESPONSE: Final = "fetch_response"

INFERENCE_OPERATIONS: Final = frozenset({OP_CHAT, OP_GENERATE_CONTENT, OP_TEXT_COMPLETION})
OPERATIONS: Final = frozenset(
    {
        OP_CHAT,
        OP_GENERATE_CONTENT,
        OP_TEXT_COMPLETION,
        OP_EMBEDDINGS,
        OP_RETRIEVAL,
        OP_EXECUTE_TOOL,
        OP_CREATE_AGENT,
        OP_INVOKE_AGENT,
        OP_INVOKE_WORKFLOW,
        OP_FETCH_RESPONSE,
    }
)

# --- provider names ---------------------------------------------------------
PROVIDER_OPENAI: Final = "openai"
PROVIDER_ANTHROPIC: Final = "anthropic"
PROVIDER_AZURE_OPENAI: Final = "azure.ai.openai"
PROVIDER_AZURE_INFERENCE: Final = "azure.ai.inference"
PROVIDER_AWS_BEDROCK: Final = "aws.bedrock"
PROVIDER_GCP_VERTEX_AI: Final = "gcp.vertex_ai"
PROVIDER_GCP_GEMINI: Final = "gcp.gemini"
PROVIDER_GCP_GEN_AI: Final = "gcp.gen_ai"
PROVIDER_COHERE: Final = "cohere"
PROVIDER_IBM_WATSONX: Final = "ibm.watsonx.ai"
PROVIDER_PERPLEXITY: Final = "perplexity"
PROVIDER_X_AI: Final = "x_ai"
PROVIDER_DEEPSEEK: Final = "deepseek"
PROVIDER_GROQ: Final = "groq"
PROVIDER_MISTRAL_AI: Final = "mistral_ai"
PROVIDER_MOONSHOT_AI: Final = "moonshot_ai"

# --- token types ------------------------------------------------------------
TOKEN_TYPE_INPUT: Final = "input"
TOKEN_TYPE_OUTPUT: Final = "output"

# --- finish reasons ---------------------------------------------------------
FINISH_REASON_ERROR: Final = "error"

# --- events -----------------------------------------------------------------
EVENT_INFERENCE_DETAILS: Final = "gen_ai.client.inference.operation.details"
EVENT_EVALUATION_RESULT: Final = "gen_ai.evaluation.result"

# --- metrics ----------------------------------------------------------------
METRIC_OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
METRIC_TOKEN_USAGE: Final = "gen_ai.client.token.usage"
METRIC_TIME_TO_FIRST_CHUNK: Final = "gen_ai.client.operation.time_to_first_chunk"
METRIC_TIME_PER_OUTPUT_CHUNK: Final = "gen_ai.client.operation.time_per_output_chunk"
METRIC_INVOKE_AGENT_DURATION: Final = "gen_ai.invoke_agent.duration"
METRIC_EXECUTE_TOOL_DURATION: Final = "gen_ai.execute_tool.duration"
METRIC_WORKFLOW_DURATION: Final = "gen_ai.workflow.duration"

UNIT_SECONDS: Final = "s"
UNIT_TOKENS: Final = "{token}"
UNIT_USD: Final = "USD"
UNIT_CALLS: Final = "{call}"

DURATION_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)
TOKEN_BUCKETS: Final = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)
AGENT_DURATION_BUCKETS: Final = (
    0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6,
)

# metric name -> (unit, explicit bucket boundaries) for the SDK's Views
HISTOGRAM_BUCKETS: Final = {
    METRIC_OPERATION_DURATION: DURATION_BUCKETS,
    METRIC_TOKEN_USAGE: TOKEN_BUCKETS,
    METRIC_TIME_TO_FIRST_CHUNK: DURATION_BUCKETS,
    METRIC_TIME_PER_OUTPUT_CHUNK: DURATION_BUCKETS,
    METRIC_EXECUTE_TOOL_DURATION: DURATION_BUCKETS,
    METRIC_INVOKE_AGENT_DURATION: AGENT_DURATION_BUCKETS,
    METRIC_WORKFLOW_DURATION: AGENT_DURATION_BUCKETS,
}

# --- llmlens extensions -----------------------------------------------------
LLMLENS_COST_USD: Final = "llmlens.cost.usd"
LLMLENS_COST_INPUT_USD: Final = "llmlens.cost.input_usd"
LLMLENS_COST_OUTPUT_USD: Final = "llmlens.cost.output_usd"
LLMLENS_COST_UNPRICED: Final = "llmlens.cost.unpriced"
LLMLENS_COST_PRICE_SOURCE: Final = "llmlens.cost.price_source"
LLMLENS_TEAM: Final = "llmlens.team"
LLMLENS_TENANT: Final = "llmlens.tenant"
LLMLENS_FEATURE: Final = "llmlens.feature"
LLMLENS_BUDGET_NAME: Final = "llmlens.budget.name"
LLMLENS_BUDGET_UNIT: Final = "llmlens.budget.unit"
LLMLENS_BUDGET_WINDOW: Final = "llmlens.budget.window"
LLMLENS_BUDGET_SCOPE: Final = "llmlens.budget.scope"
LLMLENS_BUDGET_THRESHOLD: Final = "llmlens.budget.threshold"
# set on a framework-level inference span whose usage is carried by the
# provider span beneath it (so tokens and cost are counted once)
LLMLENS_USAGE_DELEGATED: Final = "llmlens.usage.delegated"
# set when a stream ended without the API reporting usage
LLMLENS_USAGE_UNAVAILABLE: Final = "llmlens.usage.unavailable"
LLMLENS_CONTENT_TRUNCATED: Final = "llmlens.content.truncated"
LLMLENS_STREAM_CHUNKS: Final = "llmlens.stream.chunks"
LLMLENS_STREAM_END: Final = "llmlens.stream.end"

METRIC_COST: Final = "llmlens.cost"
METRIC_COST_UNPRICED_CALLS: Final = "llmlens.cost.unpriced_calls"
METRIC_BUDGET_USAGE: Final = "llmlens.budget.usage"
METRIC_BUDGET_LIMIT: Final = "llmlens.budget.limit"
METRIC_EVALUATION_SCORE: Final = "llmlens.evaluation.score"

# attribution keys read from W3C baggage (exact names)
ATTRIBUTION_KEYS: Final = (
    USER_ID,
    SESSION_ID,
    GEN_AI_CONVERSATION_ID,
    LLMLENS_TEAM,
    LLMLENS_TENANT,
    LLMLENS_FEATURE,
)

# Names the conventions deprecated; never emitted (tests check this module).
DEPRECATED_NAMES: Final = frozenset(
    {
        "gen_ai.system",
        "gen_ai.usage.prompt_tokens",
        "gen_ai.usage.completion_tokens",
        "gen_ai.prompt",
        "gen_ai.completion",
        "gen_ai.usage.cache_creation.input_tokens",
        "gen_ai.openai.request.seed",
        "gen_ai.openai.request.response_format",
        "gen_ai.openai.request.service_tier",
        "gen_ai.openai.response.service_tier",
        "gen_ai.openai.response.system_fingerprint",
        "gen_ai.server.time_to_first_token",
    }
)

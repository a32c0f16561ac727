"""Plain records of one GenAI operation: what an instrumentor fills in.

An instrumentor maps its SDK's objects onto these and hands them to the
emitter; it never names an attribute itself. Content fields (messages, tool
arguments, documents) are only read when the content policy asks for them,
so adapters should fill them only when ``emitter.content.enabled``.

Messages follow the conventions' JSON schema: a list of
``{"role": ..., "parts": [...]}`` dicts, built with the part helpers in
:mod:`llmlens_semconv.parts`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from opentelemetry.trace import SpanKind

Message = Mapping[str, Any]
AttributeValue = str | bool | int | float | Sequence[str] | Sequence[int] | Sequence[float]


@dataclass(slots=True)
class Usage:
    """Token counts as the API billed them.

    ``input_tokens`` includes cached tokens (read and written) and
    ``output_tokens`` includes reasoning tokens, as the conventions ask.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_input_tokens: int | None = None
    cache_write_input_tokens: int | None = None
    reasoning_output_tokens: int | None = None
    audio_input_tokens: int | None = None
    audio_output_tokens: int | None = None
    image_input_tokens: int | None = None


@dataclass(slots=True)
class Request:
    """What is known when an operation starts (set on the span at start)."""

    operation: str | None
    provider: str | None = None
    model: str | None = None
    server_address: str | None = None
    server_port: int | None = None
    stream: bool = False
    # inference parameters
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    top_k: float | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    stop_sequences: Sequence[str] | None = None
    seed: int | None = None
    choice_count: int | None = None
    output_type: str | None = None
    encoding_formats: Sequence[str] | None = None
    reasoning_level: str | None = None
    previous_response_id: str | None = None
    conversation_id: str | None = None
    # tools, agents, workflows, retrieval
    tool_name: str | None = None
    tool_call_id: str | None = None
    tool_description: str | None = None
    tool_type: str | None = None
    agent_name: str | None = None
    agent_id: str | None = None
    agent_description: str | None = None
    agent_version: str | None = None
    workflow_name: str | None = None
    data_source_id: str | None = None
    retrieval_top_k: int | None = None
    # attributes outside the GenAI registry, named with constants from
    # llmlens_semconv.names (e.g. openai.request.service_tier)
    extra: Mapping[str, AttributeValue] | None = None
    # overrides for operations the conventions do not name (count_tokens, ...)
    span_name: str | None = None
    kind: SpanKind | None = None
    # tool definitions: names and types always recorded; the rest opt-in
    tool_definitions: Sequence[Mapping[str, Any]] | None = None
    # opt-in content
    system_instructions: Sequence[Mapping[str, Any]] | None = None
    input_messages: Sequence[Message] | None = None
    tool_call_arguments: Any = None
    retrieval_query: str | None = None
    # True for a framework step (LangChain, LlamaIndex) whose SDK call may be
    # instrumented too: usage then stays with the provider span beneath it.
    framework: bool = False


@dataclass(slots=True)
class Response:
    """What is known when an operation ends."""

    id: str | None = None
    model: str | None = None
    finish_reasons: Sequence[str] | None = None
    usage: Usage | None = None
    status: str | None = None
    embedding_dimension: int | None = None
    extra: Mapping[str, AttributeValue] | None = None
    # opt-in content
    output_messages: Sequence[Message] | None = None
    tool_call_result: Any = None
    retrieval_documents: Sequence[Mapping[str, Any]] | None = None
    # set when the API answered but reports the operation failed (an OpenAI
    # Responses API response with status "failed"): finish() then ends the
    # call as an error with this error.type
    error_type: str | None = None

"""SDK results (and what a stream accumulated) as an llmlens ``Response``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmlens_openai import content
from llmlens_openai.requests import CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES
from llmlens_openai.values import as_int, as_str, field
from llmlens_semconv import Response, Usage, parts
from llmlens_semconv import names as n
from llmlens_semconv.fields import fields_of


def openai_extra(obj: Any) -> dict[str, Any] | None:
    return openai_extra_of(fields_of(obj))


def openai_extra_of(fields: Mapping[str, Any]) -> dict[str, Any] | None:
    """Service tier and system fingerprint from a result's fields."""
    extra: dict[str, Any] = {}
    tier = as_str(fields.get("service_tier"))
    if tier:
        extra[n.OPENAI_RESPONSE_SERVICE_TIER] = tier
    fingerprint = as_str(fields.get("system_fingerprint"))
    if fingerprint:
        extra[n.OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint
    return extra or None


def chat_usage(usage: Any) -> Usage | None:
    """Usage of chat completions, legacy completions and embeddings."""
    if usage is None:
        return None
    fields = fields_of(usage)
    prompt_details = fields_of(fields.get("prompt_tokens_details"))
    completion_details = fields_of(fields.get("completion_tokens_details"))
    return Usage(
        input_tokens=as_int(fields.get("prompt_tokens")),
        output_tokens=as_int(fields.get("completion_tokens")),
        cache_read_input_tokens=as_int(prompt_details.get("cached_tokens")),
        reasoning_output_tokens=as_int(completion_details.get("reasoning_tokens")),
        audio_input_tokens=as_int(prompt_details.get("audio_tokens")),
        audio_output_tokens=as_int(completion_details.get("audio_tokens")),
    )


def responses_usage(usage: Any) -> Usage | None:
    if usage is None:
        return None
    return Usage(
        input_tokens=as_int(field(usage, "input_tokens")),
        output_tokens=as_int(field(usage, "output_tokens")),
        cache_read_input_tokens=as_int(
            field(field(usage, "input_tokens_details"), "cached_tokens")),
        reasoning_output_tokens=as_int(
            field(field(usage, "output_tokens_details"), "reasoning_tokens")),
    )


def _choices_response(result: Any) -> tuple[Any, Response]:
    """What chat and legacy completions share: id, model, one finish reason
    per choice, usage and the OpenAI extras."""
    fields = fields_of(result)
    choices = fields.get("choices") or ()
    reasons = [as_str(fields_of(c).get("finish_reason")) or n.FINISH_REASON_ERROR
               for c in choices]
    response = Response(
        id=fields.get("id"),
        model=fields.get("model"),
        finish_reasons=reasons or None,
        usage=chat_usage(fields.get("usage")),
        extra=openai_extra_of(fields),
    )
    return choices, response


def chat_response(result: Any, capture: bool) -> Response:
    choices, response = _choices_response(result)
    if capture:
        response.output_messages = [
            content.chat_output(field(c, "message"), as_str(field(c, "finish_reason")))
            for c in choices
        ]
    return response


def completion_response(result: Any, capture: bool) -> Response:
    choices, response = _choices_response(result)
    if capture:
        response.output_messages = [
            parts.message("assistant", [parts.text(field(c, "text") or "")],
                          finish_reason=as_str(field(c, "finish_reason"))
                          or n.FINISH_REASON_ERROR)
            for c in choices
        ]
    return response


def responses_finish_reason(result: Any) -> str | None:
    """The Responses API has no finish reason: the incomplete reason when
    there is one (``max_output_tokens``, ``content_filter``), else the
    status (``completed``, ``failed``, ...), verbatim."""
    reason = as_str(field(field(result, "incomplete_details"), "reason"))
    return reason or as_str(field(result, "status"))


def responses_response(result: Any, capture: bool) -> Response:
    reason = responses_finish_reason(result)
    response = Response(
        id=field(result, "id"),
        model=field(result, "model"),
        finish_reasons=[reason] if reason else None,
        usage=responses_usage(field(result, "usage")),
        status=as_str(field(result, "status")),
        extra=openai_extra(result),
    )
    if response.status == "failed":
        # an answer that reports failure (a stream's response.failed event)
        response.error_type = as_str(field(field(result, "error"), "code")) or n.ERROR_TYPE_OTHER
    if capture:
        response.output_messages = [content.responses_output(field(result, "output"), reason)]
    return response


def embeddings_response(result: Any, capture: bool) -> Response:
    data = field(result, "data") or ()
    dimension = None
    if data:
        vector = field(data[0], "embedding")
        if isinstance(vector, list):
            dimension = len(vector)
    usage = field(result, "usage")
    return Response(
        model=field(result, "model"),
        usage=Usage(input_tokens=as_int(field(usage, "prompt_tokens"))) if usage else None,
        embedding_dimension=dimension,
    )


BUILDERS = {
    CHAT: chat_response,
    RESPONSES: responses_response,
    EMBEDDINGS: embeddings_response,
    COMPLETIONS: completion_response,
}

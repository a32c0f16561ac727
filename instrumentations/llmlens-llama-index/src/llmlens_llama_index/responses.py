"""LlamaIndex responses in, :class:`Response` fields out.

An LLM response carries the provider's own object in ``raw`` (an OpenAI
``ChatCompletion`` or chunk, an Anthropic ``Message``, or a dict); usage,
finish reasons, id and model are read from it as the API reported them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmlens_semconv import Usage


def _get(obj: Any, key: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value


def usage_of(raw: Any, additional_kwargs: Any = None) -> Usage | None:
    """Billed token counts from the provider response, if it reported any."""
    usage = _get(raw, "usage")
    if usage is not None:
        found = _openai_usage(usage) or _anthropic_usage(usage)
        if found is not None:
            return found
    # some integrations copy the counts into additional_kwargs
    prompt = _int(_get(additional_kwargs, "prompt_tokens"))
    completion = _int(_get(additional_kwargs, "completion_tokens"))
    if prompt is None and completion is None:
        return None
    return Usage(input_tokens=prompt, output_tokens=completion)


def _openai_usage(usage: Any) -> Usage | None:
    prompt = _int(_get(usage, "prompt_tokens"))
    completion = _int(_get(usage, "completion_tokens"))
    if prompt is None and completion is None:
        return None
    return Usage(
        input_tokens=prompt,
        output_tokens=completion,
        cache_read_input_tokens=_int(_get(_get(usage, "prompt_tokens_details"), "cached_tokens")),
        reasoning_output_tokens=_int(
            _get(_get(usage, "completion_tokens_details"), "reasoning_tokens")),
    )


def _anthropic_usage(usage: Any) -> Usage | None:
    fresh = _int(_get(usage, "input_tokens"))
    output = _int(_get(usage, "output_tokens"))
    if fresh is None and output is None:
        return None
    cache_read = _int(_get(usage, "cache_read_input_tokens"))
    cache_write = _int(_get(usage, "cache_creation_input_tokens"))
    total_input = None
    if fresh is not None:
        # the conventions count cached tokens inside input_tokens
        total_input = fresh + (cache_read or 0) + (cache_write or 0)
    return Usage(
        input_tokens=total_input, output_tokens=output,
        cache_read_input_tokens=cache_read, cache_write_input_tokens=cache_write,
    )


def finish_reasons_of(raw: Any) -> list[str]:
    """Finish reasons reported in one response (or stream chunk)."""
    reasons: list[str] = []
    choices = _get(raw, "choices")
    if isinstance(choices, (list, tuple)):
        for choice in choices:
            reason = _get(choice, "finish_reason")
            if isinstance(reason, str) and reason:
                reasons.append(reason)
    stop = _get(raw, "stop_reason")
    if isinstance(stop, str) and stop:
        reasons.append(stop)
    return reasons


def id_of(raw: Any) -> str | None:
    value = _get(raw, "id")
    return value if isinstance(value, str) and value else None


def model_of(raw: Any) -> str | None:
    value = _get(raw, "model")
    return value if isinstance(value, str) and value else None


def text_of(response: Any) -> str | None:
    """The text of a LlamaIndex response (LLM, query, chat engine, agent)."""
    if isinstance(response, str):
        return response
    if type(response).__name__.endswith("StopEvent"):
        # a workflow run ends with a StopEvent holding its result
        return text_of(getattr(response, "result", None))
    for attr in ("message", "response", "text"):
        value = getattr(response, attr, None)
        if isinstance(value, str):
            return value
        # a ChatMessage (LLM responses, agent outputs)
        content = getattr(value, "content", None)
        if isinstance(content, str):
            return content
    return None

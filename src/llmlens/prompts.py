"""``with llmlens.prompt(name, version, variables):`` — prompt templates on LLM spans.

Every inference span started inside the block carries ``gen_ai.prompt.name``
and ``gen_ai.prompt.version``; the variables go on as
``gen_ai.prompt.variable.<key>`` only under content capture (redacted and
bounded like any other content).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from opentelemetry import context as otel_context

from llmlens_semconv import Request, hooks
from llmlens_semconv import names as n

_PROMPT_KEY = otel_context.create_key("llmlens.prompt")


@contextmanager
def prompt(name: str, version: str | None = None,
           variables: Mapping[str, Any] | None = None) -> Iterator[None]:
    hooks.add_span_start_hook(prompt_attributes)
    token = otel_context.attach(
        otel_context.set_value(_PROMPT_KEY, (name, version, dict(variables or {}))))
    try:
        yield
    finally:
        otel_context.detach(token)


def prompt_attributes(request: Request) -> dict[str, Any] | None:
    """Span-start hook: the active prompt template, for inference spans only."""
    if request.operation not in n.INFERENCE_OPERATIONS:
        return None
    active = otel_context.get_value(_PROMPT_KEY)
    if active is None:
        return None
    name, version, variables = active
    attrs: dict[str, Any] = {n.GEN_AI_PROMPT_NAME: name}
    if version is not None:
        attrs[n.GEN_AI_PROMPT_VERSION] = str(version)
    if variables:
        from llmlens.steps import emitter

        content = emitter().content
        if content.enabled:
            for key, value in variables.items():
                attrs[n.GEN_AI_PROMPT_VARIABLE_PREFIX + str(key)] = content.clean_text(str(value))
    return attrs

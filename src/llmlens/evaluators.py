"""Cheap built-in evaluators, switched on with ``LLMLENS_EVALUATORS``.

``LLMLENS_EVALUATORS=empty_response,refusal,json_valid,length`` (or ``all``)
runs each named evaluator on every finished inference span, in a span
processor (not in the call), and emits a ``gen_ai.evaluation.result`` event
tied to that span. Evaluators that need the output text read it from
``gen_ai.output.messages``, so they judge text only under content capture;
the others use finish reasons and token counts.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from llmlens_semconv import names as n

ENV = "LLMLENS_EVALUATORS"
_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    score: float
    label: str
    explanation: str | None = None


@dataclass(frozen=True, slots=True)
class Output:
    """What an evaluator sees of one finished inference span."""

    text: str | None
    finish_reasons: tuple[str, ...]
    output_tokens: int | None
    output_type: str | None


Evaluator = Callable[[Output], Verdict | None]

_REFUSAL_OPENINGS = (
    "i can't help with", "i cannot help with", "i can't assist", "i cannot assist",
    "i'm sorry, but i can", "i am sorry, but i can", "i'm unable to", "i am unable to",
    "i won't be able to", "i must decline",
)
_LENGTH_REASONS = {"length", "max_tokens", "max_output_tokens"}
_FILTER_REASONS = {"content_filter", "refusal", "safety"}


def empty_response(out: Output) -> Verdict | None:
    if out.text is not None:
        empty = not out.text.strip()
    elif out.output_tokens is not None:
        empty = out.output_tokens == 0
    else:
        return None
    return Verdict(0.0, "empty") if empty else Verdict(1.0, "non_empty")


def refusal(out: Output) -> Verdict | None:
    if _FILTER_REASONS.intersection(out.finish_reasons):
        return Verdict(1.0, "refused", "finish reason " + ",".join(out.finish_reasons))
    if out.text is None:
        return None
    opening = out.text.strip().lower()[:80]
    if any(opening.startswith(p) for p in _REFUSAL_OPENINGS):
        return Verdict(1.0, "refused", "refusal wording")
    return Verdict(0.0, "answered")


def json_valid(out: Output) -> Verdict | None:
    if out.text is None:
        return None
    text = out.text.strip()
    expects_json = out.output_type == "json" or text[:1] in ("{", "[")
    if not expects_json:
        return None
    try:
        json.loads(text)
    except ValueError as exc:
        where = getattr(exc, "pos", "?")
        return Verdict(0.0, "invalid_json", f"{type(exc).__name__} at char {where}")
    return Verdict(1.0, "valid_json")


def length(out: Output) -> Verdict | None:
    if _LENGTH_REASONS.intersection(out.finish_reasons):
        return Verdict(0.0, "truncated", "the output hit the token limit")
    if not out.finish_reasons:
        return None
    return Verdict(1.0, "complete")


EVALUATORS: dict[str, Evaluator] = {
    "empty_response": empty_response,
    "refusal": refusal,
    "json_valid": json_valid,
    "length": length,
}


def enabled_from_env() -> dict[str, Evaluator]:
    raw = os.environ.get(ENV, "")
    names = [x.strip() for x in raw.split(",") if x.strip()]
    if names == ["all"]:
        return dict(EVALUATORS)
    chosen = {}
    for name in names:
        if name in EVALUATORS:
            chosen[name] = EVALUATORS[name]
        else:
            _log.warning("%s names an unknown evaluator %r (known: %s)", ENV, name,
                         ", ".join(EVALUATORS))
    return chosen


def output_of(attributes: Mapping[str, Any]) -> Output:
    text = None
    raw = attributes.get(n.GEN_AI_OUTPUT_MESSAGES)
    if isinstance(raw, str):
        try:
            messages = json.loads(raw)
            text = "".join(
                part.get("content", "") for msg in messages for part in msg.get("parts", [])
                if isinstance(part, dict) and part.get("type") == "text"
                and isinstance(part.get("content"), str)
            )
        except (ValueError, AttributeError, TypeError):
            text = None
    reasons = tuple(str(r) for r in attributes.get(n.GEN_AI_RESPONSE_FINISH_REASONS, ()) or ())
    tokens = attributes.get(n.GEN_AI_USAGE_OUTPUT_TOKENS)
    return Output(text, reasons, tokens if isinstance(tokens, int) else None,
                  attributes.get(n.GEN_AI_OUTPUT_TYPE))


class EvaluatorProcessor:
    """Span processor running the enabled evaluators on finished inference spans."""

    def __init__(self, evaluators: Mapping[str, Evaluator]) -> None:
        self.evaluators = dict(evaluators)

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        pass

    def _on_ending(self, span: Any) -> None:
        pass

    def on_end(self, span: Any) -> None:
        attributes = span.attributes or {}
        if attributes.get(n.GEN_AI_OPERATION_NAME) not in n.INFERENCE_OPERATIONS:
            return
        if attributes.get(n.ERROR_TYPE) is not None:
            return
        from llmlens.evaluation import evaluate

        out = output_of(attributes)
        for name, evaluator in self.evaluators.items():
            try:
                verdict = evaluator(out)
            except Exception:  # noqa: BLE001 - an evaluator never breaks export
                continue
            if verdict is not None:
                evaluate(name, score=verdict.score, label=verdict.label,
                         explanation=verdict.explanation, span=span.context,
                         response_id=attributes.get(n.GEN_AI_RESPONSE_ID),
                         model=attributes.get(n.GEN_AI_RESPONSE_MODEL)
                         or attributes.get(n.GEN_AI_REQUEST_MODEL))

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return True


def install(tracer_provider: Any) -> EvaluatorProcessor | None:
    """Add the evaluator processor when ``LLMLENS_EVALUATORS`` asks for any."""
    chosen = enabled_from_env()
    if not chosen:
        return None
    processor = EvaluatorProcessor(chosen)
    tracer_provider.add_span_processor(processor)
    return processor

"""Quality signals: evaluations and user feedback, tied to the span they judge.

``llmlens.evaluate(...)`` emits the conventions' ``gen_ai.evaluation.result``
event (through the logs API) with the trace and span ids of the judged call,
found from ``span=``, from ``response_id=`` (also after that span ended, within
this process), or from the current span; and records the histogram
``llmlens.evaluation.score`` by evaluation name and model.
"""

from __future__ import annotations

from typing import Any

from opentelemetry import trace
from opentelemetry._logs import SeverityNumber, get_logger
from opentelemetry.metrics import get_meter
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext

from llmlens import responses
from llmlens_semconv import names as n

FEEDBACK = "user_feedback"

_instruments: dict[str, Any] = {}


def _score_histogram() -> Any:
    if "score" not in _instruments:
        from llmlens import __version__

        _instruments["score"] = get_meter("llmlens", __version__).create_histogram(
            n.METRIC_EVALUATION_SCORE, unit="1",
            description="Scores of evaluations of GenAI responses.")
    return _instruments["score"]


def _logger() -> Any:
    if "logger" not in _instruments:
        from llmlens import __version__

        _instruments["logger"] = get_logger("llmlens", __version__)
    return _instruments["logger"]


def reset() -> None:
    """Forget cached instruments (after the global providers changed)."""
    _instruments.clear()


def _target(span: Span | SpanContext | None, response_id: str | None
            ) -> tuple[SpanContext | None, str | None]:
    if isinstance(span, SpanContext):
        return span, None
    if span is not None:
        attrs = getattr(span, "attributes", None) or {}
        model = attrs.get(n.GEN_AI_RESPONSE_MODEL) or attrs.get(n.GEN_AI_REQUEST_MODEL)
        return span.get_span_context(), model
    if response_id:
        found = responses.lookup(response_id)
        if found is not None:
            return found
    current = trace.get_current_span().get_span_context()
    return (current if current.is_valid else None), None


def evaluate(
    name: str,
    *,
    score: float | None = None,
    label: str | None = None,
    explanation: str | None = None,
    response_id: str | None = None,
    span: Span | SpanContext | None = None,
    model: str | None = None,
) -> bool:
    """Record one evaluation. Returns True when it was tied to a span.

    Never raises: a bad argument is recorded as far as it can be.
    """
    try:
        span_context, found_model = _target(span, response_id)
        model = model or found_model
        attrs: dict[str, Any] = {n.GEN_AI_EVALUATION_NAME: name}
        if score is not None:
            attrs[n.GEN_AI_EVALUATION_SCORE_VALUE] = float(score)
        if label is not None:
            attrs[n.GEN_AI_EVALUATION_SCORE_LABEL] = str(label)
        if explanation:
            attrs[n.GEN_AI_EVALUATION_EXPLANATION] = explanation
        if response_id:
            attrs[n.GEN_AI_RESPONSE_ID] = response_id
        if model:
            attrs[n.GEN_AI_RESPONSE_MODEL] = model
        ctx = trace.set_span_in_context(NonRecordingSpan(span_context)) if span_context else None
        _logger().emit(event_name=n.EVENT_EVALUATION_RESULT, attributes=attrs,
                       severity_number=SeverityNumber.INFO, context=ctx)
        if score is not None:
            metric_attrs = {n.GEN_AI_EVALUATION_NAME: name}
            if model:
                metric_attrs[n.GEN_AI_RESPONSE_MODEL] = model
            _score_histogram().record(float(score), metric_attrs)
        return span_context is not None
    except Exception:  # noqa: BLE001 - quality signals never break the app
        import logging

        from llmlens_semconv.safety import log_once

        log_once(logging.getLogger(__name__), "evaluate")
        return False


def feedback(
    *,
    thumbs_up: bool | None = None,
    rating: int | None = None,
    comment: str | None = None,
    response_id: str | None = None,
    span: Span | SpanContext | None = None,
) -> bool:
    """User feedback as the evaluation ``user_feedback``: thumbs up/down (score
    1/0) or a 1-5 rating (score 0-1, label the rating); the comment only under
    content capture, redacted."""
    score: float | None = None
    label: str | None = None
    if thumbs_up is not None:
        score, label = (1.0, "thumbs_up") if thumbs_up else (0.0, "thumbs_down")
    elif rating is not None:
        rating = max(1, min(5, int(rating)))
        score, label = (rating - 1) / 4, f"rating_{rating}"
    explanation = None
    if comment:
        from llmlens.steps import emitter

        content = emitter().content
        if content.enabled:
            explanation = content.clean_text(comment)
    return evaluate(FEEDBACK, score=score, label=label, explanation=explanation,
                    response_id=response_id, span=span)

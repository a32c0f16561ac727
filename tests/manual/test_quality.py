"""Prompt templates, evaluations, feedback and the built-in evaluators."""

from __future__ import annotations

import json
from typing import Any

import pytest

import llmlens
from llmlens import evaluators
from llmlens.steps import emitter
from llmlens_semconv import Request, Response, Usage, parts
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry


def chat(response_id: str = "resp-1", text: str | None = None,
         finish: str = "stop", output_tokens: int = 4) -> Any:
    call = emitter().start(Request(operation=n.OP_CHAT, provider="openai", model="gpt-4o"))
    out = None
    if text is not None and emitter().content.enabled:
        out = [parts.message("assistant", [parts.text(text)], finish_reason=finish)]
    call.finish(Response(id=response_id, model="gpt-4o-2024", finish_reasons=[finish],
                         usage=Usage(10, output_tokens), output_messages=out))
    return call


def evaluation_events(telemetry: Telemetry) -> list[Any]:
    return [r for r in telemetry.logs() if r.event_name == n.EVENT_EVALUATION_RESULT]


def test_prompt_template_goes_on_llm_spans_only(telemetry: Telemetry) -> None:
    with llmlens.prompt("support-answer", "v3", {"customer": "MARKER"}):
        with llmlens.tool("t"):
            chat()
    spans = {s.name: s for s in telemetry.spans()}
    llm = spans["chat gpt-4o"].attributes
    assert llm[n.GEN_AI_PROMPT_NAME] == "support-answer"
    assert llm[n.GEN_AI_PROMPT_VERSION] == "v3"
    assert n.GEN_AI_PROMPT_VARIABLE_PREFIX + "customer" not in llm  # opt-in only
    assert n.GEN_AI_PROMPT_NAME not in spans["execute_tool t"].attributes
    telemetry.clear()
    chat()  # outside the block: no prompt
    assert n.GEN_AI_PROMPT_NAME not in telemetry.span().attributes


def test_prompt_variables_under_capture_are_redactable(capture_content: Telemetry) -> None:
    with llmlens.prompt("p", variables={"customer": "Ada"}):
        chat()
    assert capture_content.span().attributes[n.GEN_AI_PROMPT_VARIABLE_PREFIX + "customer"] == "Ada"


def test_evaluate_by_response_id_after_the_span_ended(telemetry: Telemetry) -> None:
    call = chat("resp-42")
    assert llmlens.evaluate("relevance", score=0.8, label="relevant",
                            explanation="on topic", response_id="resp-42") is True
    (event,) = evaluation_events(telemetry)
    ctx = call.span.get_span_context()
    assert event.trace_id == ctx.trace_id and event.span_id == ctx.span_id
    assert event.attributes[n.GEN_AI_EVALUATION_NAME] == "relevance"
    assert event.attributes[n.GEN_AI_EVALUATION_SCORE_VALUE] == 0.8
    assert event.attributes[n.GEN_AI_EVALUATION_SCORE_LABEL] == "relevant"
    assert event.attributes[n.GEN_AI_RESPONSE_ID] == "resp-42"
    (point,) = telemetry.metric_points(n.METRIC_EVALUATION_SCORE)
    assert point.attributes == {n.GEN_AI_EVALUATION_NAME: "relevance",
                                n.GEN_AI_RESPONSE_MODEL: "gpt-4o-2024"}
    assert point.sum == 0.8


def test_evaluate_by_span_and_by_current_span(telemetry: Telemetry) -> None:
    call = chat("r1")
    llmlens.evaluate("a", score=1, span=call.span)
    with llmlens.workflow("w") as run:
        llmlens.evaluate("b", label="ok")
    a, b = evaluation_events(telemetry)
    assert a.span_id == call.span.get_span_context().span_id
    assert b.span_id == run.span.get_span_context().span_id


def test_evaluate_unknown_response_is_not_tied(telemetry: Telemetry) -> None:
    assert llmlens.evaluate("x", score=0.1, response_id="nope") is False
    (event,) = evaluation_events(telemetry)
    assert event.attributes[n.GEN_AI_RESPONSE_ID] == "nope"


@pytest.mark.parametrize(("kwargs", "score", "label"), [
    ({"thumbs_up": True}, 1.0, "thumbs_up"),
    ({"thumbs_up": False}, 0.0, "thumbs_down"),
    ({"rating": 5}, 1.0, "rating_5"),
    ({"rating": 1}, 0.0, "rating_1"),
    ({"rating": 3}, 0.5, "rating_3"),
])
def test_feedback(telemetry: Telemetry, kwargs: dict[str, Any], score: float, label: str) -> None:
    chat("r")
    assert llmlens.feedback(response_id="r", comment="MARKER comment", **kwargs)
    (event,) = evaluation_events(telemetry)
    assert event.attributes[n.GEN_AI_EVALUATION_NAME] == "user_feedback"
    assert event.attributes[n.GEN_AI_EVALUATION_SCORE_VALUE] == score
    assert event.attributes[n.GEN_AI_EVALUATION_SCORE_LABEL] == label
    assert n.GEN_AI_EVALUATION_EXPLANATION not in event.attributes  # comment is content


def test_feedback_comment_under_capture(capture_content: Telemetry) -> None:
    chat("r")
    llmlens.feedback(thumbs_up=False, comment="wrong answer", response_id="r")
    (event,) = evaluation_events(capture_content)
    assert event.attributes[n.GEN_AI_EVALUATION_EXPLANATION] == "wrong answer"


# --- built-in evaluators -----------------------------------------------------------

def out(text: str | None = None, reasons: tuple[str, ...] = ("stop",), tokens: int | None = 5,
        output_type: str | None = None) -> evaluators.Output:
    return evaluators.Output(text, reasons, tokens, output_type)


@pytest.mark.parametrize(("name", "output", "label"), [
    ("empty_response", out(""), "empty"),
    ("empty_response", out("hi"), "non_empty"),
    ("empty_response", out(None, tokens=0), "empty"),
    ("empty_response", out(None, tokens=None), None),
    ("refusal", out("I'm sorry, but I can't help with that."), "refused"),
    ("refusal", out(None, reasons=("content_filter",)), "refused"),
    ("refusal", out("Paris is the capital."), "answered"),
    ("json_valid", out('{"a": 1}'), "valid_json"),
    ("json_valid", out('{"a": 1'), "invalid_json"),
    ("json_valid", out("plain prose"), None),
    ("length", out("x", reasons=("length",)), "truncated"),
    ("length", out("x", reasons=("max_tokens",)), "truncated"),
    ("length", out("x"), "complete"),
])
def test_evaluator_verdicts(name: str, output: evaluators.Output, label: str | None) -> None:
    verdict = evaluators.EVALUATORS[name](output)
    assert (verdict.label if verdict else None) == label


def test_evaluators_from_env(monkeypatch: pytest.MonkeyPatch, caplog: Any) -> None:
    monkeypatch.setenv(evaluators.ENV, "length, refusal,bogus")
    assert list(evaluators.enabled_from_env()) == ["length", "refusal"]
    assert "bogus" in caplog.text
    monkeypatch.setenv(evaluators.ENV, "all")
    assert set(evaluators.enabled_from_env()) == set(evaluators.EVALUATORS)


def test_evaluator_processor_emits_events_tied_to_the_span(
    capture_content: Telemetry, monkeypatch: pytest.MonkeyPatch,
) -> None:
    processor = evaluators.EvaluatorProcessor(
        {k: evaluators.EVALUATORS[k] for k in ("empty_response", "json_valid", "length")})
    capture_content.tracer_provider.add_span_processor(processor)
    try:
        call = chat("r9", text='{"answer": 42}', finish="length")
    finally:
        processor.evaluators.clear()  # the provider is shared by the whole session
    events = {e.attributes[n.GEN_AI_EVALUATION_NAME]: e for e in evaluation_events(capture_content)}
    assert events["empty_response"].attributes[n.GEN_AI_EVALUATION_SCORE_LABEL] == "non_empty"
    assert events["json_valid"].attributes[n.GEN_AI_EVALUATION_SCORE_LABEL] == "valid_json"
    assert events["length"].attributes[n.GEN_AI_EVALUATION_SCORE_LABEL] == "truncated"
    for event in events.values():
        assert event.span_id == call.span.get_span_context().span_id
    assert json.loads(capture_content.span().attributes[n.GEN_AI_OUTPUT_MESSAGES])


def test_the_distro_installs_evaluators_from_the_environment(tmp_path: Any) -> None:
    import os
    import subprocess
    import sys
    from pathlib import Path

    app = tmp_path / "app.py"
    app.write_text(
        "from llmlens_semconv import Emitter, Request, Response, Usage\n"
        "e = Emitter('app')\n"
        "c = e.start(Request(operation='chat', provider='openai', model='m'))\n"
        "c.finish(Response(id='r', finish_reasons=['length'], usage=Usage(3, 0)))\n"
    )
    env = {**os.environ, "LLMLENS_EVALUATORS": "length,empty_response",
           "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
           "OTEL_LOGS_EXPORTER": "console", "OTEL_SERVICE_NAME": "evals"}
    instrument = str(Path(sys.executable).with_name("opentelemetry-instrument"))
    out = subprocess.run([instrument, sys.executable, str(app)], env=env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count(n.EVENT_EVALUATION_RESULT) == 2, out.stdout
    assert '"truncated"' in out.stdout and '"empty"' in out.stdout

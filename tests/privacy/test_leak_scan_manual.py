"""The manual API (``llmlens.workflow/agent/tool/retrieval/prompt``) under
the same scans: its steps record arguments, results and prompt variables
only under content capture, and then redacted."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
from privacy_support import exported_text

from llmlens_semconv.content import ENV_CAPTURE
from llmlens_semconv.testing import Telemetry

llmlens = pytest.importorskip("llmlens")
steps = pytest.importorskip("llmlens.steps")

MARKER = "QZX-manual-marker-2290"


@pytest.fixture
def manual(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    def configure(mode: str) -> None:
        monkeypatch.setenv(ENV_CAPTURE, mode)
        steps.reset_emitter()  # the manual API reads the policy once

    yield configure
    steps.reset_emitter()


def run_steps(marker: str) -> None:
    @llmlens.tool("lookup")
    def lookup(query: str) -> str:
        return f"tool result {marker}"

    @llmlens.tool("broken")
    def broken(query: str) -> str:
        raise ValueError(f"no result for {query}")  # the message quotes the input

    @llmlens.retrieval("docs")
    def search(query: str) -> list[dict[str, str]]:
        return [{"content": f"doc {marker}"}]

    @llmlens.agent("planner")
    def plan(task: str) -> str:
        lookup(f"args {marker}")
        with contextlib.suppress(ValueError):
            broken(f"args {marker}")
        search(f"query {marker}")
        return f"plan {marker}"

    @llmlens.workflow("answer")
    def answer(question: str) -> str:
        return plan(f"task {question}")

    answer(f"user {marker}")
    llmlens.feedback(thumbs_up=False, comment=f"feedback {marker}")


def test_content_off_no_marker_from_the_manual_api(manual: Any, telemetry: Telemetry) -> None:
    manual("NO_CONTENT")
    run_steps(MARKER)
    names = {s.name for s in telemetry.spans()}
    assert {"invoke_workflow answer", "invoke_agent planner", "execute_tool lookup",
            "execute_tool broken", "retrieval docs"} <= names
    assert any(r.event_name == "gen_ai.evaluation.result" for r in telemetry.logs())
    assert MARKER not in exported_text(telemetry)


def test_content_on_manual_api_records_redacted_arguments(
    manual: Any, telemetry: Telemetry,
) -> None:
    manual("SPAN_ONLY")
    run_steps(f"{MARKER} call +1 415 555 0134")
    text = exported_text(telemetry)
    assert f"args {MARKER} call <PHONE>" in text
    assert f"feedback {MARKER} call <PHONE>" in text
    assert "555 0134" not in text


@pytest.mark.parametrize("mode", ["NO_CONTENT", "SPAN_ONLY"])
def test_prompt_variables_follow_the_policy(manual: Any, telemetry: Telemetry, mode: str) -> None:
    from llmlens_semconv import Request
    from llmlens_semconv import names as n

    manual(mode)
    with llmlens.prompt("greet", "3", variables={"who": f"{MARKER} ana@example.net"}):
        steps.emitter().start(Request(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI,
                                      model="gpt-4o-mini")).finish()
    span = telemetry.span()
    assert span.attributes[n.GEN_AI_PROMPT_NAME] == "greet"
    text = exported_text(telemetry)
    assert "ana@example.net" not in text
    if mode == "NO_CONTENT":
        assert MARKER not in text
    else:
        assert f"{MARKER} <EMAIL>" in text

"""Workflows keep parent-child links: the run, its steps (concurrent ones
too) and the LLM calls inside them are one trace."""


import asyncio

from llama_index.core.llms import MockLLM
from llama_index.core.workflow import Context, Event, StartEvent, StopEvent, Workflow, step
from opentelemetry import context as otel_context
from opentelemetry.trace import StatusCode
from trees import by_name, is_child, one, roots, trace_ids

from llmlens_semconv import names as n


class Drafted(Event):
    text: str


class Broken(RuntimeError):
    pass


class DraftAndPolish(Workflow):
    @step
    async def draft(self, ev: StartEvent) -> Drafted:
        reply = await MockLLM(max_tokens=2).acomplete(ev.topic)
        return Drafted(text=reply.text)

    @step
    async def polish(self, ev: Drafted) -> StopEvent:
        return StopEvent(result=ev.text + "!")


class Branch(Event):
    text: str


class BranchDone(Event):
    text: str


class FanOut(Workflow):
    """Two branches run as concurrent steps, each with its own LLM call."""

    @step
    async def start(self, ctx: Context, ev: StartEvent) -> Branch | None:
        ctx.send_event(Branch(text="a"))
        ctx.send_event(Branch(text="b"))
        return None

    @step(num_workers=2)
    async def branch(self, ev: Branch) -> BranchDone:
        reply = await MockLLM(max_tokens=1).acomplete(ev.text)
        await asyncio.sleep(0)
        return BranchDone(text=reply.text)

    @step
    async def join(self, ctx: Context, ev: BranchDone) -> StopEvent | None:
        done = ctx.collect_events(ev, [BranchDone, BranchDone])
        if done is None:
            return None
        return StopEvent(result=len(done))


class FailsInAStep(Workflow):
    @step
    async def explode(self, ev: StartEvent) -> StopEvent:
        raise Broken("step failed")


async def test_workflow_run_steps_and_llm_calls_are_one_trace(telemetry):
    before = otel_context.get_current()

    result = await DraftAndPolish(timeout=10).run(topic="hello")

    assert result == "text text!"
    assert otel_context.get_current() is before
    spans = telemetry.spans()
    run = one(spans, "invoke_workflow DraftAndPolish")
    draft = one(spans, "step draft")
    polish = one(spans, "step polish")
    llm = one(spans, "text_completion MockLLM")
    assert run.attributes[n.GEN_AI_WORKFLOW_NAME] == "DraftAndPolish"
    assert roots(spans) == [run]
    assert is_child(spans, draft, run)
    assert is_child(spans, polish, run)
    assert is_child(spans, llm, draft)
    assert telemetry.histogram_count(n.METRIC_WORKFLOW_DURATION) == 1


async def test_two_workflow_runs_at_once_stay_apart(telemetry):
    results = await asyncio.gather(
        DraftAndPolish(timeout=10).run(topic="one"),
        DraftAndPolish(timeout=10).run(topic="two"),
    )

    assert results == ["text text!", "text text!"]
    spans = telemetry.spans()
    runs = by_name(spans, "invoke_workflow")
    assert len(runs) == 2
    assert len(trace_ids(spans)) == 2
    for run in runs:
        members = [s for s in spans if s.context.trace_id == run.context.trace_id]
        assert sorted(s.name for s in members) == [
            "invoke_workflow DraftAndPolish", "step draft", "step polish",
            "text_completion MockLLM"]


async def test_concurrent_steps_parent_their_own_llm_calls(telemetry):
    assert await FanOut(timeout=10).run() == 2

    spans = telemetry.spans()
    branches = by_name(spans, "step branch")
    llms = by_name(spans, "text_completion")
    assert len(branches) == 2 and len(llms) == 2
    for llm in llms:
        assert sum(is_child(spans, llm, branch) for branch in branches) == 1
    assert {s.parent.span_id for s in llms} == {b.context.span_id for b in branches}
    assert len(trace_ids(spans)) == 1


async def test_failing_step_marks_the_step_and_the_run(telemetry):
    raised = None
    try:
        await FailsInAStep(timeout=10).run()
    except Exception as exc:  # noqa: BLE001 - the workflow may wrap the error
        raised = exc

    assert raised is not None
    spans = telemetry.spans()
    failed_step = one(spans, "step explode")
    assert failed_step.status.status_code is StatusCode.ERROR
    assert failed_step.attributes[n.ERROR_TYPE] == "Broken"
    assert one(spans, "invoke_workflow FailsInAStep").status.status_code is StatusCode.ERROR

"""The run table is pruned on every end and error path: flat over thousands of
runs, whatever way they end."""

from __future__ import annotations

import asyncio
import gc
from uuid import uuid4

import pytest
from fakes import chat_model
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool
from opentelemetry.trace import StatusCode

from llmlens_langchain.runs import ORPHAN_GRACE_SECONDS, RunTable
from llmlens_semconv import names as n
from llmlens_semconv.testing import Telemetry

RUNS = 2000


def _fail_on_odd(value: int) -> int:
    if value % 2:
        raise ValueError("odd")
    return value


@tool
def double(x: int) -> int:
    """Double a number."""
    return 2 * x


def test_run_table_is_flat_over_thousands_of_runs(telemetry: Telemetry, handler) -> None:
    model = chat_model(repeat=RUNS)
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | model
    failing = RunnableLambda(_fail_on_odd) | RunnableLambda(lambda x: {"x": x}) | double
    sizes = []
    for i in range(RUNS):
        if i % 4 == 0:
            chain.invoke({"q": str(i)})
        elif i % 4 == 1:
            with pytest.raises(ValueError):
                failing.invoke(i)
        elif i % 4 == 2:
            failing.invoke(i)
        else:
            stream = chain.stream({"q": str(i)})
            next(stream)
            stream.close()  # broken off after the first chunk
        if i % 200 == 199:
            telemetry.span_exporter.clear()
            gc.collect()
            sizes.append(len(gc.get_objects()))
    assert len(handler.runs) == 0
    assert handler.runs.root_count() == 0
    assert handler.runs.retired_count() == 0
    # live objects stay flat once warm: no per-run residue (a leak of even one
    # object per run would add hundreds between checkpoints)
    assert max(sizes[2:]) - sizes[1] < 100, sizes


async def test_run_table_is_empty_after_concurrent_async_runs(
    telemetry: Telemetry, handler,
) -> None:
    chain = ChatPromptTemplate.from_messages([("user", "{q}")]) | chat_model(repeat=300)

    async def one(i: int) -> None:
        if i % 3 == 0:
            async for _ in chain.astream({"q": str(i)}):
                pass
        else:
            await chain.ainvoke({"q": str(i)})

    await asyncio.gather(*(one(i) for i in range(300)))
    assert len(handler.runs) == 0
    assert handler.runs.root_count() == 0


def test_run_left_open_is_ended_as_abandoned_after_a_grace_period(
    telemetry: Telemetry, handler, monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    monkeypatch.setattr(handler, "runs", RunTable(clock=lambda: now[0]))
    root, stuck = uuid4(), uuid4()
    handler.on_chain_start({"name": "root"}, {}, run_id=root)
    handler.on_tool_start({"name": "stuck"}, "x", run_id=stuck, parent_run_id=root)
    handler.on_chain_end({}, run_id=root)
    assert len(handler.runs) == 1  # it may still end on its own

    now[0] += ORPHAN_GRACE_SECONDS
    later = uuid4()
    handler.on_chain_start({"name": "later"}, {}, run_id=later)
    handler.on_chain_end({}, run_id=later)
    assert len(handler.runs) == 0
    span = telemetry.span("execute_tool stuck")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes[n.ERROR_TYPE] == "abandoned"
    # a late end callback for it changes nothing
    handler.on_tool_end("done", run_id=stuck)
    assert len([s for s in telemetry.spans() if s.name == "execute_tool stuck"]) == 1

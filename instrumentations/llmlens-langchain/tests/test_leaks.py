"""The run table is pruned on every end and error path: flat over thousands of
runs, whatever way they end."""

from __future__ import annotations

import asyncio
import gc

import pytest
from fakes import chat_model
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda
from langchain_core.tools import tool

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

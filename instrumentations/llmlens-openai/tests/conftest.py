from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from opentelemetry.sdk.trace import SpanProcessor

from llmlens_openai import OpenAIInstrumentor
from llmlens_openai.state import ENV_STREAM_USAGE
from llmlens_semconv.content import ENV_CAPTURE
from llmlens_semconv.testing import Telemetry


class OpenSpans(SpanProcessor):
    """Counts spans started and ended, to prove none is left open."""

    def __init__(self) -> None:
        self.started: dict[int, str] = {}

    def on_start(self, span: Any, parent_context: Any = None) -> None:
        self.started[span.context.span_id] = span.name

    def on_end(self, span: Any) -> None:
        self.started.pop(span.context.span_id, None)


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    t = Telemetry.create()
    tracker = OpenSpans()
    t.tracer_provider.add_span_processor(tracker)
    yield t
    gc.collect()
    assert not tracker.started, f"spans never ended: {list(tracker.started.values())}"
    t.shutdown()


@pytest.fixture
def instrument(
    telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., OpenAIInstrumentor]]:
    made: list[OpenAIInstrumentor] = []

    def _instrument(content: str | None = None, stream_usage: bool | None = None,
                    ) -> OpenAIInstrumentor:
        if content is None:
            monkeypatch.delenv(ENV_CAPTURE, raising=False)
        else:
            monkeypatch.setenv(ENV_CAPTURE, content)
        monkeypatch.delenv(ENV_STREAM_USAGE, raising=False)
        instrumentor = OpenAIInstrumentor()
        kwargs: dict[str, Any] = dict(telemetry.providers())
        if stream_usage is not None:
            kwargs["stream_usage"] = stream_usage
        instrumentor.instrument(**kwargs)
        made.append(instrumentor)
        return instrumentor

    yield _instrument
    for instrumentor in made:
        instrumentor.uninstrument()


@pytest.fixture
def otel(telemetry: Telemetry, instrument: Callable[..., Any]) -> Telemetry:
    """Instrumented with the defaults (no content)."""
    instrument()
    return telemetry


@pytest.fixture(params=[False, True], ids=["sync", "async"])
def is_async(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)

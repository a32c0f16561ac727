"""Fixtures: the instrumentor on in-memory OpenTelemetry pipelines, and the
check that no context was detached in a foreign context."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from opentelemetry import context as otel_context

from llmlens_langchain import LangChainInstrumentor
from llmlens_semconv import CaptureMode, ContentPolicy
from llmlens_semconv.testing import Telemetry


def _instrumented(content: ContentPolicy | None) -> Iterator[Telemetry]:
    telemetry = Telemetry.create()
    instrumentor = LangChainInstrumentor()
    instrumentor.instrument(**telemetry.providers(), content=content)
    try:
        yield telemetry
    finally:
        instrumentor.uninstrument()
        telemetry.shutdown()


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    yield from _instrumented(ContentPolicy(mode=CaptureMode.NO_CONTENT))


@pytest.fixture
def content_telemetry() -> Iterator[Telemetry]:
    yield from _instrumented(ContentPolicy(mode=CaptureMode.SPAN_ONLY))


@pytest.fixture
def handler(telemetry: Telemetry):
    return LangChainInstrumentor().handler


@pytest.fixture(autouse=True)
def no_context_leaks(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Every test: no 'Failed to detach context' error, and the context the
    test started with is current again at its end."""
    before = otel_context.get_current()
    with caplog.at_level(logging.ERROR, logger="opentelemetry.context"):
        yield
    failed = [r for r in caplog.records if "detach" in r.getMessage().lower()]
    assert not failed, [r.getMessage() for r in failed]
    assert otel_context.get_current() is before

"""Fixtures: in-memory providers, the economics layer installed on them, and
a helper that runs one GenAI call through the real emitter."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from llmlens import economics
from llmlens.economics.wiring import Economics
from llmlens_semconv import Emitter
from llmlens_semconv.content import ContentPolicy
from llmlens_semconv.testing import Telemetry

Install = Callable[..., Economics]


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    t = Telemetry.create()
    yield t
    t.shutdown()


@pytest.fixture
def install(telemetry: Telemetry, monkeypatch: pytest.MonkeyPatch) -> Iterator[Install]:
    for name in ("LLMLENS_PRICES_FILE", "LLMLENS_BUDGETS", "LLMLENS_METRIC_ATTRIBUTES"):
        monkeypatch.delenv(name, raising=False)

    def _install(**settings: Any) -> Economics:
        installed = economics.install(
            telemetry.tracer_provider, telemetry.meter_provider, telemetry.logger_provider,
            **settings,
        )
        assert installed is not None
        return installed

    yield _install
    economics.uninstall()


@pytest.fixture
def emitter(telemetry: Telemetry) -> Emitter:
    return Emitter("tests.economics", "0", content=ContentPolicy(), **telemetry.providers())

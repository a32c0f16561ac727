from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from llmlens_semconv import CaptureMode, ContentPolicy, Emitter
from llmlens_semconv.testing import Telemetry


@pytest.fixture
def telemetry() -> Iterator[Telemetry]:
    t = Telemetry.create()
    yield t
    t.shutdown()


@pytest.fixture
def make_emitter(telemetry: Telemetry) -> Callable[..., Emitter]:
    def make(mode: CaptureMode = CaptureMode.NO_CONTENT, **policy: object) -> Emitter:
        return Emitter("llmlens-test", "0", **telemetry.providers(),
                       content=ContentPolicy(mode=mode, **policy))  # type: ignore[arg-type]

    return make


@pytest.fixture
def emitter(make_emitter: Callable[..., Emitter]) -> Emitter:
    return make_emitter()

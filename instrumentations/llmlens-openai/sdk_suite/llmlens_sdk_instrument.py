"""pytest plugin: instrument the openai SDK with llmlens for the whole run,
content capture on, exporting to in-memory pipelines; the number of spans
recorded is appended to the file named by LLMLENS_SDK_SPANS."""

from __future__ import annotations

import os
from typing import Any

_state: dict[str, Any] = {}


def pytest_configure(config: Any) -> None:
    os.environ["OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"] = "SPAN_AND_EVENT"
    from llmlens_openai import OpenAIInstrumentor
    from llmlens_semconv.testing import Telemetry

    telemetry = Telemetry.create()
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    _state.update(telemetry=telemetry, instrumentor=instrumentor)


def pytest_unconfigure(config: Any) -> None:
    telemetry = _state.get("telemetry")
    if telemetry is None:
        return
    _state["instrumentor"].uninstrument()
    path = os.environ.get("LLMLENS_SDK_SPANS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{len(telemetry.spans())}\n")

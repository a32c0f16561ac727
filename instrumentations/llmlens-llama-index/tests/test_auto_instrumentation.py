"""Under ``opentelemetry-instrument`` the entry point loads the instrumentor
(the ``instruments`` extra is satisfied), and its name switches it off."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
from llama_index.core.instrumentation import get_dispatcher
root = get_dispatcher()
names = [type(h).__name__ for h in [*root.span_handlers, *root.event_handlers]]
print("handlers:", ",".join(sorted(n for n in names if n.startswith("Llmlens"))) or "none")
"""


def _instrument_command() -> str:
    found = Path(sys.executable).with_name("opentelemetry-instrument")
    if found.exists():
        return str(found)
    located = shutil.which("opentelemetry-instrument")
    if located is None:
        pytest.fail("opentelemetry-instrument is not installed next to the interpreter")
    return located


def _run(extra_env: dict[str, str]) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    env.update({
        "OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none", **extra_env,
    })
    done = subprocess.run(
        [_instrument_command(), sys.executable, "-c", PROBE],
        env=env, capture_output=True, text=True, timeout=120, check=True,
    )
    return done.stdout


def test_opentelemetry_instrument_registers_the_handlers():
    out = _run({})
    assert "handlers: LlmlensEventHandler,LlmlensSpanHandler" in out


def test_disabled_by_its_entry_point_name():
    out = _run({"OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": "llmlens_llama_index"})
    assert "handlers: none" in out

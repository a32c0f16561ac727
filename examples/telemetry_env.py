"""How to run an example app under ``opentelemetry-instrument`` with what is installed.

Used by the demo and the example tests. It finds the distro, the configurator, the
trace exporters and the llmlens instrumentors that are installed right now (parts of
llmlens may be missing), and builds the environment of an instrumented subprocess.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

EXAMPLES_DIR = Path(__file__).resolve().parent
MOCK_API_KEY = "mock-key"
# Bytecode cache outside the work tree: the heavy SDKs then import fast on later runs.
PYCACHE_DIR = Path(tempfile.gettempdir()) / "llmlens-examples-pycache"


def _loads(group: str, name: str) -> bool:
    for entry_point in entry_points(group=group):
        if entry_point.name == name:
            try:
                entry_point.load()
            except Exception:  # noqa: BLE001 - a broken plugin only means "not available"
                return False
            return True
    return False


@dataclass(frozen=True)
class TelemetrySetup:
    distro: str | None
    configurator: str | None
    traces_exporter: str
    writes_jsonl: bool
    has_report: bool
    instrumentors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def detect_setup(console: bool = True) -> TelemetrySetup:
    """What telemetry an instrumented app gets here; ``console`` adds the readable tree."""
    notes: list[str] = []
    if _loads("opentelemetry_configurator", "llmlens"):
        distro, configurator = "llmlens", "llmlens"
    elif _loads("opentelemetry_configurator", "configurator"):
        distro, configurator = "distro", "configurator"
        notes.append("the llmlens distro is not installed: using opentelemetry-distro")
    else:
        distro = configurator = None
        notes.append("no OpenTelemetry configurator installed: the apps run without telemetry")
    exporters = [
        name
        for name in (["llmlens_console"] if console else []) + ["llmlens_jsonl"]
        if _loads("opentelemetry_traces_exporter", name)
    ]
    writes_jsonl = "llmlens_jsonl" in exporters
    if not writes_jsonl:
        exporters = ["console"]
        notes.append("llmlens exporters not installed: spans go to the plain console exporter")
    has_report = writes_jsonl and shutil.which("llmlens", path=_bin_path()) is not None
    if writes_jsonl and not has_report:
        notes.append("the llmlens command is not installed: no report at the end")
    instrumentors = sorted(
        entry_point.name
        for entry_point in entry_points(group="opentelemetry_instrumentor")
        if entry_point.name.startswith("llmlens_")
    )
    return TelemetrySetup(
        distro, configurator, ",".join(exporters), writes_jsonl, has_report, instrumentors, notes
    )


def _bin_path() -> str:
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def executable(name: str) -> str:
    """A console script of this Python environment (the venv's bin first)."""
    found = shutil.which(name, path=_bin_path())
    if found is None:
        raise FileNotFoundError(f"{name} is not installed in this environment")
    return found


def instrumented_env(
    setup: TelemetrySetup,
    service_name: str,
    openai_base_url: str,
    anthropic_base_url: str,
    spans_path: Path | None,
) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("OPENAI_API_BASE", None)  # read by LangChain/LlamaIndex before OPENAI_BASE_URL
    env.update(
        {
            "PYTHONPYCACHEPREFIX": str(PYCACHE_DIR),
            "PYTHONUNBUFFERED": "1",
            "OTEL_SERVICE_NAME": service_name,
            "OTEL_TRACES_EXPORTER": setup.traces_exporter,
            "OTEL_METRICS_EXPORTER": "none",
            "OTEL_LOGS_EXPORTER": "none",
            "LLMLENS_CONSOLE_STREAM": "stdout",
            # Real keys never go to the mock server.
            "OPENAI_BASE_URL": openai_base_url,
            "ANTHROPIC_BASE_URL": anthropic_base_url,
            "OPENAI_API_KEY": MOCK_API_KEY,
            "ANTHROPIC_API_KEY": MOCK_API_KEY,
        }
    )
    if setup.distro and setup.configurator:
        env["OTEL_PYTHON_DISTRO"] = setup.distro
        env["OTEL_PYTHON_CONFIGURATOR"] = setup.configurator
    if spans_path is not None:
        env["LLMLENS_JSONL_PATH"] = str(spans_path)
    return env


def instrumented_command(script: str, *arguments: str) -> list[str]:
    return [
        executable("opentelemetry-instrument"),
        sys.executable,
        str(EXAMPLES_DIR / script),
        *arguments,
    ]


def run_instrumented(
    script: str, env: dict[str, str], timeout: float, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        instrumented_command(script),
        env=env,
        timeout=timeout,
        text=True,
        capture_output=capture,
        check=False,
    )

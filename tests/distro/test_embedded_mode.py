"""A machine with no backend: the embedded exporters chosen by name under
``opentelemetry-instrument``, then ``llmlens report`` on what was written."""

from __future__ import annotations

import sys
import threading

from distro_fakes import bin_path, clean_env, run

from llmlens.shutdown import shutdown_all, shutdown_timeout

APP = """
from opentelemetry import trace
from llmlens_semconv import Emitter, Request, Response, Usage

emitter = Emitter("embedded.app")
with trace.get_tracer("embedded.app").start_as_current_span("ask", attributes={"user.id": "u1"}):
    call = emitter.start(Request(operation="chat", provider="openai", model="gpt-4o-mini"))
    call.finish(Response(model="gpt-4o-mini", usage=Usage(input_tokens=5, output_tokens=7)))
print("done")
"""


def test_console_and_jsonl_without_a_collector(tmp_path):
    (tmp_path / "app.py").write_text(APP)
    env = clean_env(OTEL_SERVICE_NAME="laptop",
                    OTEL_TRACES_EXPORTER="llmlens_console,llmlens_jsonl",
                    LLMLENS_JSONL_PATH="calls.jsonl")
    result = run([bin_path("opentelemetry-instrument"), sys.executable, "app.py"], env=env,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "done\n"
    assert "trace " in result.stderr and "(laptop)" in result.stderr
    assert "chat gpt-4o-mini · " in result.stderr
    assert "tokens 5 in / 7 out" in result.stderr
    # metrics and logs default to none here: nothing tries to reach a collector
    assert "Failed to export" not in result.stderr
    assert "Transient error" not in result.stderr

    report = run([bin_path("llmlens"), "report", "calls.jsonl", "--by", "user.id"], env=env,
                 cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    assert "1 call" in report.stdout
    u1_row = next(line.split() for line in report.stdout.splitlines() if line.startswith("u1 "))
    assert u1_row[1] == "1"
    assert u1_row[8:10] == ["5", "7"]


class _StuckProvider:
    def __init__(self) -> None:
        self.release = threading.Event()

    def shutdown(self) -> None:
        self.release.wait()


class _QuickProvider:
    shut = False

    def shutdown(self) -> None:
        self.shut = True


def test_shutdown_is_bounded_and_parallel(caplog):
    stuck, quick = _StuckProvider(), _QuickProvider()
    try:
        assert shutdown_all([stuck, quick], timeout_s=0.05) is False
    finally:
        stuck.release.set()
    assert quick.shut
    assert "not fully exported" in caplog.text
    assert shutdown_all([_QuickProvider()], timeout_s=5) is True


def test_shutdown_timeout_setting():
    assert shutdown_timeout({}) == 5.0
    assert shutdown_timeout({"LLMLENS_SHUTDOWN_TIMEOUT": "2.5"}) == 2.5
    assert shutdown_timeout({"LLMLENS_SHUTDOWN_TIMEOUT": "later"}) == 5.0
    assert shutdown_timeout({"LLMLENS_SHUTDOWN_TIMEOUT": "-1"}) == 5.0

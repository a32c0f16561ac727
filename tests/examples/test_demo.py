"""The demo runs end to end: every app, the service under load, and the report."""

from __future__ import annotations

import subprocess
import sys

from telemetry_env import EXAMPLES_DIR, detect_setup

DEMO_TIMEOUT = 600


def test_demo_exits_zero_and_reports_per_model_and_user(tmp_path):
    spans = tmp_path / "demo.jsonl"
    command = [sys.executable, str(EXAMPLES_DIR / "demo.py"), "--out", str(spans)]
    result = subprocess.run(
        [*command, "--users", "3", "--duration", "2"],
        capture_output=True,
        text=True,
        timeout=DEMO_TIMEOUT,
        check=False,
    )
    output = result.stdout
    assert result.returncode == 0, output[-3000:] + result.stderr[-3000:]
    for number in range(1, 6):
        assert f"=== {number}/5 " in output
    assert output.count(": ok in ") == 5
    assert detect_setup().has_report, "this environment installs llmlens"
    report = output[output.index("=== llmlens report") :]
    assert "by model" in report
    assert "by user.id" in report
    assert "$" in report
    for user in ("alice", "dave", "frank", "heidi"):
        assert user in report
    assert spans.exists()

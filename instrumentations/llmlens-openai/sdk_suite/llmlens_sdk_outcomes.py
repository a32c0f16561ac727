"""pytest plugin: write every test's outcome to the JSON file named by
LLMLENS_SDK_OUTCOMES (one entry per test id; the worst phase wins)."""

from __future__ import annotations

import json
import os
from typing import Any

_RANK = {"passed": 0, "skipped": 1, "xfailed": 1, "xpassed": 2, "failed": 3, "error": 4}
_outcomes: dict[str, str] = {}


def _outcome(report: Any) -> str:
    if hasattr(report, "wasxfail"):
        return "xfailed" if report.skipped else "xpassed"
    if report.failed and report.when != "call":
        return "error"
    return str(report.outcome)


def _keep(nodeid: str, outcome: str) -> None:
    seen = _outcomes.get(nodeid)
    if seen is None or _RANK[outcome] > _RANK[seen]:
        _outcomes[nodeid] = outcome


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call" or report.outcome != "passed":
        _keep(report.nodeid, _outcome(report))


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _keep(report.nodeid, "error")


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    path = os.environ.get("LLMLENS_SDK_OUTCOMES")
    if not path or hasattr(session.config, "workerinput"):
        return  # xdist workers report to the controller, which writes the file
    with open(path, "w", encoding="utf-8") as out:
        json.dump(_outcomes, out, indent=0, sort_keys=True)

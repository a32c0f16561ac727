"""The packaged dashboards, rules and collector configs: current, well formed,
and exported by the CLI."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from llmlens.ops import build, dashboards
from llmlens.ops import promnames as p

KNOWN_SERIES = set(p.ALL_SERIES) | {"ALERTS"}


@pytest.mark.parametrize("kind", build.KINDS)
def test_packaged_assets_match_what_the_names_render(kind: str) -> None:
    assert build.packaged(kind) == build.render(kind), (
        "assets are stale: run `python -m llmlens.ops.build`")


def _dashboards() -> dict[str, dict]:
    return {name: json.loads(text) for name, text in build.packaged("dashboards").items()}


def test_five_dashboards_with_the_template_variables() -> None:
    boards = _dashboards()
    assert len(boards) >= 5
    for name, board in boards.items():
        variables = {v["name"]: v for v in board["templating"]["list"]}
        for required in ("datasource", "service", "model", "provider", "team"):
            assert required in variables, (name, required)
        assert variables["datasource"]["query"] == "prometheus"
        assert board["schemaVersion"] >= 36
        assert board["uid"].startswith("llmlens-")


def dashboard_queries() -> list[tuple[str, str, str]]:
    out = []
    for name, board in _dashboards().items():
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                out.append((name, panel["title"], target["expr"]))
    return out


def test_every_panel_query_uses_known_series() -> None:
    queries = dashboard_queries()
    assert len(queries) > 25
    for name, title, expr in queries:
        referenced = set(re.findall(r"\b((?:gen_ai|llmlens)_[a-zA-Z0-9_]+)\b(?=\{|\[|\s|\)|$)",
                                    expr))
        referenced -= {p.MODEL, p.PROVIDER, p.TEAM, p.TENANT, p.TOKEN_TYPE, p.OPERATION,
                       p.TOOL, p.AGENT, p.EVALUATION, p.BUDGET_NAME, p.BUDGET_UNIT,
                       p.RESPONSE_MODEL}
        assert referenced, (name, title, expr)
        assert referenced <= KNOWN_SERIES, (name, title, referenced - KNOWN_SERIES)


def test_latency_panels_show_exemplars_and_link_traces() -> None:
    board = dashboards.performance()
    latency = [pnl for pnl in board["panels"] if pnl["type"] != "row" and "Latency" in pnl["title"]]
    assert latency and all(t["exemplar"] for pnl in latency for t in pnl["targets"])
    links = latency[0]["fieldConfig"]["defaults"]["links"]
    assert "${tempo}" in links[0]["url"]


def test_dashboards_cover_what_operators_ask_for() -> None:
    titles = " | ".join(pnl["title"] for b in _dashboards().values() for pnl in b["panels"])
    for needed in ("Requests per second", "Error rate", "p50 / p95 / p99", "Time to first token",
                   "Tokens per second", "In flight", "Spend per hour", "team", "tenant",
                   "Cost per 1k tokens", "Budget used", "error.type", "Rate-limited",
                   "Retryable", "Tool error ratio", "Step latency"):
        assert needed in titles, needed


def test_collector_configs_are_wired() -> None:
    for name, text in build.packaged("collector").items():
        config = yaml.safe_load(text)
        declared = {section: set(config.get(section, {}))
                    for section in ("receivers", "processors", "exporters", "connectors")}
        for pipeline, spec in config["service"]["pipelines"].items():
            for section in ("receivers", "processors", "exporters"):
                for component in spec.get(section, []):
                    ok = component in declared[section] or component in declared["connectors"]
                    assert ok, (name, pipeline, component)


def test_export_command_writes_every_kind(tmp_path: Path) -> None:
    for kind in build.KINDS:
        out = subprocess.run([sys.executable, "-m", "llmlens.cli", "export", kind,
                              str(tmp_path / kind)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        written = sorted(f.name for f in (tmp_path / kind).iterdir())
        assert written == sorted(build.packaged(kind)), kind

"""The dashboards' queries and the rules' expressions against a real Prometheus
scraping a real instrumented app (the Python Prometheus exporter)."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmlens.ops import build, rules
from llmlens.ops import promnames as p

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "examples"))

from mock_llm import ServerConfig, start_server  # noqa: E402

PROMETHEUS = shutil.which("prometheus") or "prometheus-is-missing: apt-get install prometheus"
SERVICE = "ops-app"
# Grafana's variables, as a user with every value selected would send them
GRAFANA_VARIABLES = {"$__rate_interval": "1m", "${service:regex}": ".*"}
for _name in ("service", "model", "provider", "team"):
    GRAFANA_VARIABLES[f"${_name}"] = ".*"


SERIES_NAME = re.compile(r"\b(llmlens:[a-z0-9_:]+|(?:gen_ai|llmlens)_[a-zA-Z0-9_]+)\b")
LABELS = {p.MODEL, p.PROVIDER, p.TEAM, p.TENANT, p.TOKEN_TYPE, p.OPERATION, p.TOOL, p.AGENT,
          p.EVALUATION, p.BUDGET_NAME, p.BUDGET_UNIT, p.RESPONSE_MODEL}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def query(base: str, expr: str) -> dict[str, Any]:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def wait_for(check: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("prometheus")
    mock = start_server(ServerConfig(seed=3))
    app_port, prom_port = free_port(), free_port()
    env = {**os.environ, "OTEL_SERVICE_NAME": SERVICE, "OTEL_METRICS_EXPORTER": "prometheus",
           "OTEL_EXPORTER_PROMETHEUS_HOST": "127.0.0.1",
           "OTEL_EXPORTER_PROMETHEUS_PORT": str(app_port),
           "OTEL_TRACES_EXPORTER": "none", "OTEL_LOGS_EXPORTER": "none",
           "OPENAI_BASE_URL": mock.openai_base_url, "OPENAI_API_KEY": "mock-key",
           "LLMLENS_BUDGETS": "team:search=1usd/day; team:search=100k tokens/day"}
    instrument = str(Path(sys.executable).with_name("opentelemetry-instrument"))
    app_script = str(Path(__file__).with_name("ops_app.py"))
    app = subprocess.Popen([instrument, sys.executable, app_script],
                           env=env, stdout=subprocess.DEVNULL,
                           stderr=(work / "app.log").open("w"))
    for name, text in build.packaged("alerts").items():
        (work / name).write_text(text)
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(work / n) for n in build.packaged("alerts")],
        "scrape_configs": [{"job_name": SERVICE,
                            "static_configs": [{"targets": [f"127.0.0.1:{app_port}"]}]}],
    }
    (work / "prometheus.yml").write_text(yaml.safe_dump(config))
    prom = subprocess.Popen(
        [PROMETHEUS, f"--config.file={work / 'prometheus.yml'}",
         f"--storage.tsdb.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{prom_port}"],
        stdout=subprocess.DEVNULL, stderr=(work / "prometheus.log").open("w"))
    base = f"http://127.0.0.1:{prom_port}"
    try:
        wait_for(lambda: query(base, f"count({p.COST.total})")["data"]["result"], 90,
                 "the app's metrics in Prometheus")
        time.sleep(8)  # several scrapes, so rates over them are defined
        yield base
    finally:
        for proc in (app, prom):
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        mock.stop()


def _grafana_to_promql(expr: str) -> str:
    for variable, value in sorted(GRAFANA_VARIABLES.items(), key=lambda kv: -len(kv[0])):
        expr = expr.replace(variable, value)
    return expr


def dashboard_queries() -> list[tuple[str, str]]:
    out = []
    for name, text in build.packaged("dashboards").items():
        for panel in json.loads(text)["panels"]:
            for target in panel.get("targets", []):
                out.append((f"{name}: {panel['title']}", target["expr"]))
    return out


def test_the_exporter_spells_names_as_promnames_says(prometheus: str) -> None:
    series = query(prometheus, f'group by (__name__) ({{job="{SERVICE}"}})')["data"]["result"]
    names = {s["metric"]["__name__"] for s in series}
    missing = set(p.ALL_SERIES) - names
    assert not missing, f"series the kit uses but the exporter does not produce: {missing}"


@pytest.mark.parametrize(("panel", "expr"), dashboard_queries(),
                         ids=[q[0] for q in dashboard_queries()])
def test_every_dashboard_query_returns_data(prometheus: str, panel: str, expr: str) -> None:
    result = query(prometheus, _grafana_to_promql(expr))
    assert result["status"] == "success", result
    assert result["data"]["result"], f"{panel} returns nothing: {expr}"


def recording_rules() -> list[dict[str, Any]]:
    return [r for g in rules.recording_rules()["groups"] for r in g["rules"]]


@pytest.mark.parametrize("rule", recording_rules(), ids=lambda r: r["record"])
def test_every_recording_rule_records_data(prometheus: str, rule: dict[str, Any]) -> None:
    wait_for(lambda: query(prometheus, rule["record"])["data"]["result"], 30,
             f"the recorded series {rule['record']}")


def alert_rules() -> list[dict[str, Any]]:
    return [r for g in rules.alert_rules()["groups"] for r in g["rules"]]


@pytest.mark.parametrize("rule", alert_rules(), ids=lambda r: r["alert"])
def test_every_alert_expression_runs_on_existing_series(
    prometheus: str, rule: dict[str, Any],
) -> None:
    expr = rule["expr"]
    result = query(prometheus, expr)
    assert result["status"] == "success", result
    # an alert is silent on a healthy app, so check what it reads instead:
    # every series and recorded series it names has data
    names = set(SERIES_NAME.findall(expr)) - LABELS
    assert names, expr
    for name in names:
        wait_for(lambda name=name: query(prometheus, f"count({name})")["data"]["result"], 30,
                 f"{name} used by {rule['alert']}")

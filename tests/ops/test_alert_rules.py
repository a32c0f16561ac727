"""Every alert fires on the series it is for and stays silent on healthy ones,
checked by ``promtool test rules`` (Debian's prometheus package)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmlens.ops import build, rules
from llmlens.ops import promnames as p

PROMTOOL = shutil.which("promtool") or "promtool-is-missing: apt-get install prometheus"

CHAT = {p.SERVICE: "chatbot", p.PROVIDER: "openai", p.MODEL: "gpt-4o"}


def series(metric: str, values: str, **labels: str) -> dict[str, str]:
    merged = {**CHAT, **labels}
    inner = ", ".join(f'{k}="{v}"' for k, v in merged.items())
    return {"series": f"{metric}{{{inner}}}", "values": values}


def calls(ok_per_min: int, failed_per_min: int, minutes: int) -> list[dict[str, str]]:
    out = [series(p.DURATION.count, f"0+{ok_per_min}x{minutes}")]
    if failed_per_min:
        out.append(series(p.DURATION.count, f"0+{failed_per_min}x{minutes}",
                          **{p.ERROR_TYPE: "RateLimitError"}))
    return out


def latency(total_per_min: int, fast_per_min: int, minutes: int) -> list[dict[str, str]]:
    """Calls with ``fast_per_min`` of them within the latency objective."""
    return [
        series(p.DURATION.count, f"0+{total_per_min}x{minutes}"),
        series(p.DURATION.bucket, f"0+{fast_per_min}x{minutes}",
               le=rules.LATENCY_OBJECTIVE_BUCKET),
        series(p.DURATION.bucket, f"0+{total_per_min}x{minutes}", le="20.48"),
        series(p.DURATION.bucket, f"0+{total_per_min}x{minutes}", le="+Inf"),
    ]


def ttft(degrade: bool) -> list[dict[str, str]]:
    day, tail = 1440, 80
    fast_tail = "0x80" if degrade else "10x80"
    return [
        series(p.TTFC.bucket, f"0+10x{day} {day * 10}+{fast_tail}", le="0.32"),
        series(p.TTFC.bucket, f"0+10x{day} {day * 10}+10x{tail}", le="5.12"),
        series(p.TTFC.bucket, f"0+10x{day} {day * 10}+10x{tail}", le="+Inf"),
    ]


def budget(unit: str, used: float, limit: float = 100.0) -> list[dict[str, str]]:
    labels = {p.BUDGET_NAME: f"search-{unit}", p.BUDGET_UNIT: unit}
    return [series(p.BUDGET_USAGE.name, f"{used}x30", **labels),
            series(p.BUDGET_LIMIT.name, f"{limit}x30", **labels)]


# alert -> (interval, eval time, firing input, silent input, expected labels)
CASES: dict[str, tuple[str, str, list[dict[str, str]], list[dict[str, str]], dict[str, str]]] = {
    "LLMErrorBudgetFastBurn": ("1m", "90m", calls(100, 20, 120), calls(100, 1, 120), CHAT),
    "LLMErrorBudgetSlowBurn": ("1m", "400m", calls(90, 10, 420), calls(100, 1, 420), CHAT),
    "LLMLatencyBudgetFastBurn": ("1m", "90m", latency(100, 20, 120), latency(100, 99, 120),
                                 CHAT),
    "LLMLatencyBudgetSlowBurn": ("1m", "400m", latency(100, 60, 420), latency(100, 99, 420),
                                 CHAT),
    "LLMLatencyP99High": ("1m", "40m", latency(10, 0, 60), latency(10, 10, 60), CHAT),
    "LLMTimeToFirstTokenDegraded": ("1m", "1510m", ttft(True), ttft(False), CHAT),
    "LLMCostSpike": ("30m", "171h",
                     [series(p.COST.total, "0+0.5x336 168+2x10")],
                     [series(p.COST.total, "0+0.75x346")], {p.SERVICE: "chatbot"}),
    "LLMTokenBudgetWarning": ("1m", "10m", budget("tokens", 85), budget("tokens", 50), {}),
    "LLMTokenBudgetExhausted": ("1m", "10m", budget("tokens", 120), budget("tokens", 85), {}),
    "LLMCostBudgetWarning": ("1m", "10m", budget("usd", 80), budget("usd", 79), {}),
    "LLMCostBudgetExhausted": ("1m", "10m", budget("usd", 100), budget("usd", 99), {}),
    "LLMUnpricedModel": ("1m", "20m", [series(p.UNPRICED.total, "0+1x30")],
                         [series(p.UNPRICED.total, "5x30")], CHAT),
    "LLMTelemetryMissing": ("1m", "100m", [series(p.DURATION.count, "0+1x60 _x60")],
                            calls(1, 0, 120), {p.SERVICE: "chatbot"}),
}


def test_every_alert_has_a_case() -> None:
    names = {r["alert"] for g in rules.alert_rules()["groups"] for r in g["rules"]}
    assert names == set(CASES)
    assert len(names) >= 8


def test_every_alert_has_a_runbook_and_severity() -> None:
    for group in rules.alert_rules()["groups"]:
        for rule in group["rules"]:
            assert rule["annotations"]["runbook_url"].startswith("docs/runbooks.md#")
            assert rule["labels"]["severity"] in ("page", "ticket")
    runbooks = Path(__file__).resolve().parents[2] / rules.RUNBOOKS
    text = runbooks.read_text().lower()
    for name in CASES:
        assert f"## {name.lower()}" in text, f"no runbook section for {name}"


def _unit_test(name: str, interval: str, eval_time: str, inputs: list[dict[str, str]],
               expect: list[dict[str, Any]]) -> dict[str, Any]:
    return {"interval": interval, "input_series": inputs,
            "alert_rule_test": [{"eval_time": eval_time, "alertname": name,
                                 "exp_alerts": expect}]}


def _rules_without_annotations(tmp_path: Path) -> list[str]:
    """The packaged rule files, annotations dropped: promtool compares them
    verbatim, and their templates are checked by promtool check rules."""
    paths = []
    for name, text in build.packaged("alerts").items():
        data = yaml.safe_load(text)
        for group in data["groups"]:
            for rule in group["rules"]:
                rule.pop("annotations", None)
        (tmp_path / name).write_text(yaml.safe_dump(data, sort_keys=False))
        paths.append(str(tmp_path / name))
    return paths


# alerts over a day or a week of history are evaluated less often (same rules)
LONG_HORIZON = {"LLMCostSpike", "LLMTimeToFirstTokenDegraded"}
LONG_EVALUATION_INTERVAL = "5m"


@pytest.mark.parametrize("horizon", ["short", "long"])
def test_alerts_fire_and_stay_silent(tmp_path: Path, horizon: str) -> None:
    rule_files = _rules_without_annotations(tmp_path)
    rule_by_name = {r["alert"]: r for g in rules.alert_rules()["groups"] for r in g["rules"]}
    tests = []
    for name, (interval, at, firing, silent, labels) in CASES.items():
        if (name in LONG_HORIZON) != (horizon == "long"):
            continue
        severity = rule_by_name[name]["labels"]["severity"]
        expected_labels = {**labels, "severity": severity}
        if "Budget" in name and "Burn" not in name:
            unit = "tokens" if "Token" in name else "usd"
            expected_labels.update({**CHAT, p.BUDGET_NAME: f"search-{unit}",
                                    p.BUDGET_UNIT: unit})
        tests.append(_unit_test(name, interval, at, firing, [{"exp_labels": expected_labels}]))
        tests.append(_unit_test(name, interval, at, silent, []))
    evaluation = LONG_EVALUATION_INTERVAL if horizon == "long" else "1m"
    spec = {"rule_files": rule_files, "evaluation_interval": evaluation, "tests": tests}
    (tmp_path / "unit.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    result = subprocess.run([PROMTOOL, "test", "rules", str(tmp_path / "unit.yaml")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_promtool_checks_the_packaged_rule_files(tmp_path: Path) -> None:
    paths = []
    for name, text in build.packaged("alerts").items():
        (tmp_path / name).write_text(text)
        paths.append(str(tmp_path / name))
    result = subprocess.run([PROMTOOL, "check", "rules", *paths], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout

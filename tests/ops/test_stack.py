"""The example ops stack: valid YAML, files that exist, collector pipelines
made of components the contrib distribution has, and configs that match what
the package ships."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from llmlens.ops import build

STACK = Path(__file__).resolve().parents[2] / "examples" / "stack"
PROMTOOL = shutil.which("promtool") or "promtool-is-missing: apt-get install prometheus"

# Components of the OpenTelemetry Collector contrib distribution (a subset:
# the ones a config of ours may name).
CONTRIB = {
    "receivers": {"otlp", "prometheus", "hostmetrics", "filelog", "k8s_cluster", "kubeletstats",
                  "jaeger", "zipkin", "kafka"},
    "processors": {"batch", "memory_limiter", "tail_sampling", "resourcedetection", "resource",
                   "attributes", "transform", "filter", "probabilistic_sampler",
                   "k8sattributes", "groupbytrace", "cumulativetodelta"},
    "exporters": {"otlp", "otlphttp", "loadbalancing", "prometheus", "prometheusremotewrite",
                  "debug", "file", "kafka"},
    "connectors": {"spanmetrics", "servicegraph", "count", "routing", "forward"},
    "extensions": {"health_check", "pprof", "zpages", "file_storage"},
}


def yaml_files() -> list[Path]:
    return sorted(STACK.rglob("*.yaml")) + sorted(STACK.rglob("*.yml"))


@pytest.mark.parametrize("path", yaml_files(), ids=lambda p: str(p.relative_to(STACK)))
def test_every_yaml_file_parses(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    assert docs, path


def test_compose_mounts_exist() -> None:
    compose = yaml.safe_load((STACK / "docker-compose.yaml").read_text())
    assert {"otel-agent", "otel-gateway", "prometheus", "alertmanager", "tempo", "loki",
            "grafana"} <= set(compose["services"])
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert (STACK / source).exists(), (name, source)


def _kind(component: str) -> str:
    return component.split("/")[0]


def collector_configs() -> dict[str, dict[str, Any]]:
    configs = {name: yaml.safe_load(text) for name, text in build.packaged("collector").items()}
    for doc in yaml.safe_load_all((STACK / "kubernetes" / "collectors.yaml").read_text()):
        if doc and doc.get("kind") == "OpenTelemetryCollector":
            configs[doc["metadata"]["name"]] = doc["spec"]["config"]
    return configs


@pytest.mark.parametrize(("name", "config"), collector_configs().items())
def test_collector_components_exist_in_contrib(name: str, config: dict[str, Any]) -> None:
    for section, known in CONTRIB.items():
        for component in config.get(section, {}):
            assert _kind(component) in known, (name, section, component)
    for pipeline in config["service"]["pipelines"].values():
        for section in ("receivers", "processors", "exporters"):
            for component in pipeline.get(section, []):
                declared = set(config.get(section, {})) | set(config.get("connectors", {}))
                assert component in declared, (name, component)


def test_tail_sampling_keeps_errors_slow_and_expensive_traces() -> None:
    gateway = yaml.safe_load(build.packaged("collector")["gateway.yaml"])
    types = {p["type"] for p in gateway["processors"]["tail_sampling"]["policies"]}
    assert {"status_code", "latency", "numeric_attribute", "probabilistic"} <= types
    agent = yaml.safe_load(build.packaged("collector")["agent.yaml"])
    assert agent["exporters"]["loadbalancing"]["routing_key"] == "traceID"


def test_kubernetes_collectors_match_the_packaged_configs() -> None:
    configs = collector_configs()
    assert configs["llmlens-agent"] == yaml.safe_load(build.packaged("collector")["agent.yaml"])
    assert configs["llmlens-gateway"] == yaml.safe_load(
        build.packaged("collector")["gateway.yaml"])


def test_instrumentation_injects_llmlens() -> None:
    doc = yaml.safe_load((STACK / "kubernetes" / "instrumentation.yaml").read_text())
    assert doc["kind"] == "Instrumentation"
    env = {e["name"]: e["value"] for e in doc["spec"]["python"]["env"]}
    assert env["OTEL_PYTHON_DISTRO"] == "llmlens"
    assert env["OTEL_PYTHON_CONFIGURATOR"] == "llmlens"
    deployment = yaml.safe_load((STACK / "kubernetes" / "example-deployment.yaml").read_text())
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["instrumentation.opentelemetry.io/inject-python"] == "observability/llmlens"


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    rules_dir = tmp_path / "rules"
    build.export("alerts", rules_dir)
    config = yaml.safe_load((STACK / "prometheus" / "prometheus.yml").read_text())
    config["rule_files"] = [str(rules_dir / "*.yaml")]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    result = subprocess.run([PROMTOOL, "check", "config", str(tmp_path / "prometheus.yml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr

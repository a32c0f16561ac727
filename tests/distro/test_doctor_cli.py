"""``llmlens doctor`` and the CLI's plugin registry, run as a user runs them
(a subprocess) against fake installed distributions."""

from __future__ import annotations

import sys
from pathlib import Path

from distro_fakes import bin_path, clean_env, make_dist, run

NATIVE_STATUS = """
from dataclasses import dataclass

@dataclass
class Status:
    native_spans: bool
    summary: str

def native_tracing_status():
    return Status(False, "anthropic built-in tracing is off: llmlens records the calls")
"""

PLUGIN = """
def register(registry):
    registry.add_command("hello", "say hello", lambda p: p.add_argument("who"),
                         lambda args: print(f"hello {args.who}") or 0)
    registry.add_doctor_section("--extra", "an extra check",
                                lambda args, out: out.write("extra section ran\\n"))

def broken(registry):
    raise RuntimeError("plugin bug")
"""


def _site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    make_dist(site, "openai", "1.50.0")
    make_dist(site, "anthropic", "0.1.0")
    make_dist(site, "llmlens-openai", "0.1.0",
              entry_points={"opentelemetry_instrumentor": {"llmlens_openai": "x:Y"}},
              requires=['openai>=1.0; extra == "instruments"'])
    make_dist(site, "llmlens-anthropic", "0.1.0",
              entry_points={"opentelemetry_instrumentor": {"llmlens_anthropic": "x:Y"}},
              requires=['anthropic>=0.40; extra == "instruments"'],
              modules={"llmlens_anthropic.py": NATIVE_STATUS})
    make_dist(site, "acme-openai-instrumentation", "2.0.0",
              entry_points={"opentelemetry_instrumentor": {"acme_openai": "x:Y"}},
              requires=['openai>=1; extra == "instruments"'])
    make_dist(site, "cli-plugin", "1.0.0",
              entry_points={"llmlens_cli": {"hello": "cli_plugin:register",
                                            "broken": "cli_plugin:broken"}},
              modules={"cli_plugin.py": PLUGIN})
    return site


def _doctor(tmp_path: Path, *args: str, **env: str):
    environment = clean_env(PYTHONPATH=str(_site(tmp_path)), **env)
    return run([sys.executable, "-m", "llmlens.cli", "doctor", *args], env=environment)


def test_doctor_reports_instrumentors_conflicts_and_double_instrumentation(tmp_path):
    result = _doctor(tmp_path)
    out = result.stdout
    assert result.returncode == 1
    assert "llmlens 0.1.0" in out and "opentelemetry-sdk " in out
    assert "llmlens_openai 0.1.0: instruments openai>=1.0; found openai 1.50.0 - ok" in out
    assert ("! llmlens_anthropic 0.1.0: instruments anthropic>=0.40; found anthropic 0.1.0: "
            "unsupported, it will be skipped") in out
    assert "llmlens_langchain: not installed" in out
    assert "! acme_openai (acme-openai-instrumentation) also instruments openai" in out
    assert "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=acme_openai" in out
    assert "Anthropic built-in tracing" in out
    assert "  anthropic built-in tracing is off: llmlens records the calls" in out
    assert "  native spans: False" in out


def test_disabling_the_other_instrumentor_clears_the_warning(tmp_path):
    result = _doctor(tmp_path, OTEL_PYTHON_DISABLED_INSTRUMENTATIONS="acme_openai")
    assert "also instruments openai" not in result.stdout


def test_doctor_shows_effective_exporters_without_secrets(tmp_path):
    result = _doctor(
        tmp_path,
        OTEL_SERVICE_NAME="chatbot",
        OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf",
        OTEL_EXPORTER_OTLP_ENDPOINT="http://collector:4318",
        OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer s3cr3t-token,x-tenant=acme",
        OTEL_METRICS_EXPORTER="none",
    )
    out = result.stdout
    assert "service.name: chatbot" in out
    assert ("traces: OTLP http/protobuf -> http://collector:4318/v1/traces "
            "(headers: authorization, x-tenant)") in out
    assert "metrics: none" in out
    assert "logs: OTLP http/protobuf -> http://collector:4318/v1/logs" in out
    assert "s3cr3t" not in out + result.stderr


def test_doctor_shows_embedded_exporters(tmp_path):
    result = _doctor(tmp_path, OTEL_TRACES_EXPORTER="llmlens_jsonl",
                     LLMLENS_JSONL_PATH="calls.jsonl")
    assert "traces: JSON lines -> calls.jsonl" in result.stdout
    assert "metrics: none" in result.stdout


def test_doctor_flags_another_distro_taking_precedence(tmp_path):
    site = _site(tmp_path)
    make_dist(site, "other-distro", "1.0.0",
              entry_points={"opentelemetry_distro": {"other": "x:Y"}})
    result = run([sys.executable, "-m", "llmlens.cli", "doctor"],
                 env=clean_env(PYTHONPATH=str(site)))
    assert "opentelemetry_distro 'other' is used instead of llmlens" in result.stdout
    chosen = run([sys.executable, "-m", "llmlens.cli", "doctor"],
                 env=clean_env(PYTHONPATH=str(site), OTEL_PYTHON_DISTRO="llmlens"))
    assert "is used instead of llmlens" not in chosen.stdout


def test_plugins_add_commands_and_doctor_sections(tmp_path):
    env = clean_env(PYTHONPATH=str(_site(tmp_path)))
    hello = run([bin_path("llmlens"), "hello", "world"], env=env)
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout == "hello world\n"
    assert "ignoring command plugin broken: plugin bug" in hello.stderr
    doctor = run([sys.executable, "-m", "llmlens.cli", "doctor", "--extra"], env=env)
    assert "extra section ran" in doctor.stdout
    plain = run([sys.executable, "-m", "llmlens.cli", "doctor"], env=env)
    assert "extra section ran" not in plain.stdout


def test_no_command_prints_help(tmp_path):
    result = run([sys.executable, "-m", "llmlens.cli"], env=clean_env())
    assert result.returncode == 2
    assert "report" in result.stdout and "doctor" in result.stdout

"""The distro's defaults and its handling of our instrumentors under
``opentelemetry-instrument`` (run for real in a subprocess)."""

from __future__ import annotations

import importlib.metadata
import logging
import sys
from pathlib import Path

from distro_fakes import bin_path, clean_env, make_dist, run

from llmlens import instrumentors
from llmlens.distro import LlmlensDistro, apply_environment_defaults
from llmlens.instrumentors import loader_reports_version_conflicts


def test_defaults_are_otlp_grpc_for_every_signal():
    env: dict[str, str] = {}
    apply_environment_defaults(env)
    assert env == {
        "OTEL_TRACES_EXPORTER": "otlp",
        "OTEL_METRICS_EXPORTER": "otlp",
        "OTEL_LOGS_EXPORTER": "otlp",
        "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
    }


def test_user_settings_win_over_defaults():
    env = {"OTEL_METRICS_EXPORTER": "prometheus", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}
    apply_environment_defaults(env)
    assert env["OTEL_METRICS_EXPORTER"] == "prometheus"
    assert env["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf"
    assert env["OTEL_TRACES_EXPORTER"] == "otlp"


def test_embedded_trace_exporters_alone_switch_other_signals_off():
    env = {"OTEL_TRACES_EXPORTER": "llmlens_console, llmlens_jsonl"}
    apply_environment_defaults(env)
    assert env["OTEL_METRICS_EXPORTER"] == "none"
    assert env["OTEL_LOGS_EXPORTER"] == "none"


def test_embedded_exporter_beside_otlp_keeps_otlp_defaults():
    env = {"OTEL_TRACES_EXPORTER": "llmlens_console,otlp"}
    apply_environment_defaults(env)
    assert env["OTEL_METRICS_EXPORTER"] == "otlp"


def test_configure_fills_the_process_environment(monkeypatch):
    for name in ("OTEL_TRACES_EXPORTER", "OTEL_METRICS_EXPORTER", "OTEL_LOGS_EXPORTER",
                 "OTEL_EXPORTER_OTLP_PROTOCOL"):
        monkeypatch.delenv(name, raising=False)
    LlmlensDistro().configure()
    import os

    assert os.environ["OTEL_LOGS_EXPORTER"] == "otlp"


APP = """
import logging
logging.getLogger("app").warning("app says hello")
import marker_lib
print("instrumented:", sorted(marker_lib.INSTRUMENTED))
"""

INSTRUMENTORS = """
import marker_lib

class Working:
    def instrument(self, **kwargs):
        marker_lib.INSTRUMENTED.append("working")

class Broken:
    def instrument(self, **kwargs):
        raise RuntimeError("instrumentor bug")

class Conflicting:
    def instrument(self, **kwargs):
        marker_lib.INSTRUMENTED.append("conflicting")
"""


def _fake_instrumentors(root: Path) -> None:
    make_dist(root, "marker-lib", modules={"marker_lib.py": "INSTRUMENTED = []\n",
                                           "fake_instrumentors.py": INSTRUMENTORS})
    # a version conflict: supports marker-lib < 1, 1.0.0 is installed
    make_dist(root, "llmlens-openai", "0.1.0",
              entry_points={"opentelemetry_instrumentor": {
                  "llmlens_openai": "fake_instrumentors:Conflicting"}},
              requires=['marker-lib<1; extra == "instruments"'])
    # raises in instrument(): reported, the others still load
    make_dist(root, "llmlens-anthropic", "0.1.0",
              entry_points={"opentelemetry_instrumentor": {
                  "llmlens_anthropic": "fake_instrumentors:Broken"}},
              requires=['marker-lib>=1; extra == "instruments"'])
    make_dist(root, "llmlens-langchain", "0.1.0",
              entry_points={"opentelemetry_instrumentor": {
                  "llmlens_langchain": "fake_instrumentors:Working"}},
              requires=['marker-lib>=1; extra == "instruments"'])


def _instrumented_run(tmp_path: Path, **env: str):
    fakes = tmp_path / "site"
    _fake_instrumentors(fakes)
    (tmp_path / "app.py").write_text(APP)
    environment = clean_env(PYTHONPATH=str(fakes), OTEL_TRACES_EXPORTER="none",
                            OTEL_METRICS_EXPORTER="none", OTEL_LOGS_EXPORTER="none", **env)
    return run([bin_path("opentelemetry-instrument"), sys.executable, "app.py"],
               env=environment, cwd=tmp_path)


def test_version_conflict_and_broken_instrumentor_are_warned_not_fatal(tmp_path):
    result = _instrumented_run(tmp_path)
    assert result.returncode == 0, result.stderr
    # the working instrumentor still ran after the broken one
    assert "instrumented: ['working']" in result.stdout
    # the version conflict is reported once: by the loader where it logs it
    # at ERROR itself, else by the distro
    reports = [line for line in result.stderr.splitlines() if "marker-lib 1.0.0" in line]
    assert len(reports) == 1, result.stderr
    assert "llmlens_openai" in reports[0]
    assert ("nothing can be instrumented" in reports[0]) == loader_reports_version_conflicts()
    assert "instrumentor llmlens_anthropic failed to load and is skipped" in result.stderr
    # the app's own warning still reaches stderr as without llmlens
    assert "app says hello" in result.stderr


def test_distro_warns_where_the_loader_reports_conflicts_only_at_debug(
        tmp_path, monkeypatch, caplog):
    fakes = tmp_path / "site"
    _fake_instrumentors(fakes)
    monkeypatch.syspath_prepend(str(fakes))
    ours = [ep for dist in importlib.metadata.distributions(path=[str(fakes)])
            for ep in dist.entry_points]
    monkeypatch.setattr(instrumentors, "instrumentor_entry_points", lambda: ours)
    monkeypatch.setattr(instrumentors, "loader_reports_version_conflicts", lambda: False)
    with caplog.at_level(logging.WARNING, logger="llmlens.instrumentors"):
        warned = instrumentors.warn_about_skipped_instrumentors({})
    assert warned == ["llmlens_openai"]
    assert ("llmlens: instrumentor llmlens_openai is skipped: it supports marker-lib<1 "
            "but marker-lib 1.0.0 is installed") in caplog.text
    # the same run with a loader that reports conflicts itself: the distro stays quiet
    monkeypatch.setattr(instrumentors, "loader_reports_version_conflicts", lambda: True)
    assert instrumentors.warn_about_skipped_instrumentors({}) == []


def test_disabled_instrumentor_is_not_warned_about(tmp_path):
    result = _instrumented_run(
        tmp_path, OTEL_PYTHON_DISABLED_INSTRUMENTATIONS="llmlens_openai,llmlens_anthropic")
    assert result.returncode == 0, result.stderr
    assert "llmlens_openai is skipped" not in result.stderr
    assert "llmlens_anthropic failed" not in result.stderr
    assert "instrumented: ['working']" in result.stdout


OTHER_CONFIGURATOR = """
class Other:
    def configure(self, **kwargs):
        print("other configurator ran")
"""


def test_llmlens_configurator_wins_over_another_installed_one(tmp_path):
    site = tmp_path / "site"
    make_dist(site, "aaa-other-configurator",
              entry_points={"opentelemetry_configurator": {"configurator": "other_conf:Other"}},
              modules={"other_conf.py": OTHER_CONFIGURATOR})
    (tmp_path / "app.py").write_text(
        "from opentelemetry import trace\n"
        "trace.get_tracer('t').start_span('configured by llmlens').end()\n")
    env = clean_env(PYTHONPATH=str(site), OTEL_TRACES_EXPORTER="llmlens_jsonl",
                    LLMLENS_JSONL_PATH="spans.jsonl")
    result = run([bin_path("opentelemetry-instrument"), sys.executable, "app.py"], env=env,
                 cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "other configurator ran" not in result.stdout
    assert "configured by llmlens" in (tmp_path / "spans.jsonl").read_text()
    doctor = run([sys.executable, "-m", "llmlens.cli", "doctor"], env=env)
    assert "opentelemetry_configurator: " in doctor.stdout
    assert "(used: llmlens)" in doctor.stdout.split("opentelemetry_configurator: ")[1]


def test_another_instrumentor_of_the_same_library_is_warned_about(tmp_path):
    site = tmp_path / "site"
    noop = "class Noop:\n    def instrument(self, **kwargs):\n        pass\n"
    make_dist(site, "openai", "9.9.9", modules={"noop_instrumentors.py": noop})
    make_dist(site, "llmlens-openai", "0.1.0",
              entry_points={"opentelemetry_instrumentor": {
                  "llmlens_openai": "noop_instrumentors:Noop"}},
              requires=['openai>=1; extra == "instruments"'])
    make_dist(site, "acme-openai-instrumentation", "2.0.0",
              entry_points={"opentelemetry_instrumentor": {
                  "acme_openai": "noop_instrumentors:Noop"}},
              requires=['openai>=1; extra == "instruments"'])
    (tmp_path / "app.py").write_text("print('ok')\n")
    base = dict(PYTHONPATH=str(site), OTEL_TRACES_EXPORTER="none",
                OTEL_METRICS_EXPORTER="none", OTEL_LOGS_EXPORTER="none")
    command = [bin_path("opentelemetry-instrument"), sys.executable, "app.py"]
    result = run(command, env=clean_env(**base), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "ok\n"
    assert ("llmlens: acme_openai also instruments openai, like llmlens_openai: "
            "calls will be recorded twice") in result.stderr
    quiet = run(command, env=clean_env(OTEL_PYTHON_DISABLED_INSTRUMENTATIONS="acme_openai",
                                       **base), cwd=tmp_path)
    assert "recorded twice" not in quiet.stderr


def test_importing_the_distro_is_cheap():
    """opentelemetry-instrument imports the distro in every process: beyond
    what the loader imports anyway, it must not pull in the SDK or exporters."""
    code = (
        "import sys\n"
        "import llmlens, opentelemetry.instrumentation.distro\n"  # imported by the loader
        "before = set(sys.modules)\n"
        "import llmlens.distro\n"
        "heavy = [m for m in set(sys.modules) - before if m.startswith(("
        "'opentelemetry.sdk', 'opentelemetry.exporter', 'llmlens_semconv', 'grpc', "
        "'llmlens.economics', 'packaging'))]\n"
        "print(sorted(heavy))\n"
    )
    result = run([sys.executable, "-c", code], env=clean_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\n"

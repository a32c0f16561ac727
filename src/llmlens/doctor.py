"""``llmlens doctor``: what llmlens will do in this environment, and what
would go wrong.

It prints the llmlens and OpenTelemetry versions, which distro and
configurator ``opentelemetry-instrument`` will pick, each llmlens instrumentor
with whether its library is installed in a supported version, other
instrumentors installed for the same libraries (they would instrument them
twice), the effective exporter configuration, and the state of Anthropic's
built-in tracing. It reads metadata and the environment only: no network.
Exit status 1 when a problem was found.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import IO, Any

from llmlens.instrumentors import (
    COVERED_LIBRARIES,
    LLMLENS_EXTRAS,
    LLMLENS_INSTRUMENTORS,
    check_library,
    disabled_instrumentations,
    distribution_of,
    instrumented_libraries,
    instrumentor_entry_points,
)

VERSIONED_PACKAGES = (
    "llmlens",
    "llmlens-semconv",
    "opentelemetry-api",
    "opentelemetry-sdk",
    "opentelemetry-instrumentation",
    "opentelemetry-exporter-otlp-proto-grpc",
    "opentelemetry-exporter-otlp-proto-http",
)
_OTLP_PORTS = {"grpc": 4317, "http/protobuf": 4318}
_SIGNALS = ("traces", "metrics", "logs")


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        if self.lines:
            self.lines.append("")
        self.lines.append(title)

    def item(self, text: str) -> None:
        self.lines.append(f"  {text}")

    def problem(self, text: str) -> None:
        self.problems.append(text)
        self.lines.append(f"  ! {text}")


def installed_version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def check_versions(findings: Findings) -> None:
    findings.section("Versions")
    findings.item(f"python {platform.python_version()}")
    for name in VERSIONED_PACKAGES:
        findings.item(f"{name} {installed_version(name) or 'not installed'}")


def check_distro_selection(findings: Findings, environ: Mapping[str, str]) -> None:
    from opentelemetry.util._importlib_metadata import entry_points

    findings.section("opentelemetry-instrument set-up")
    distro = None
    for group, variable in (("opentelemetry_distro", "OTEL_PYTHON_DISTRO"),
                            ("opentelemetry_configurator", "OTEL_PYTHON_CONFIGURATOR")):
        names = [ep.name for ep in entry_points(group=group)]
        chosen = environ.get(variable) or (names[0] if names else None)
        if group == "opentelemetry_distro":
            distro = chosen
        elif distro == "llmlens" and not environ.get(variable) and "llmlens" in names:
            chosen = "llmlens"  # the llmlens distro selects its own configurator
        findings.item(f"{group}: {', '.join(names) or 'none'} (used: {chosen or 'none'})")
        if chosen != "llmlens":
            findings.problem(
                f"{group} {chosen!r} is used instead of llmlens: set {variable}=llmlens")


def check_instrumentors(findings: Findings, environ: Mapping[str, str]) -> None:
    disabled = disabled_instrumentations(environ)
    entry_points = instrumentor_entry_points()
    ours = {ep.name: ep for ep in entry_points if ep.name in LLMLENS_INSTRUMENTORS}

    findings.section("llmlens instrumentors")
    for name, library in LLMLENS_INSTRUMENTORS.items():
        entry_point = ours.get(name)
        if entry_point is None:
            extra = LLMLENS_EXTRAS[name]
            findings.item(f'{name}: not installed (pip install "llmlens[{extra}]")')
            continue
        dist = distribution_of(entry_point)
        own_version = getattr(dist, "version", "?") if dist is not None else "?"
        check = check_library(dist)
        state = f"{name} {own_version}: instruments {check.required or library}"
        if "*" in disabled or name in disabled:
            findings.item(f"{state}; disabled by OTEL_PYTHON_DISABLED_INSTRUMENTATIONS")
        elif check.supported:
            findings.item(f"{state}; found {check.found or library} - ok")
        elif check.missing:
            findings.item(f"{state}; {library} is not installed (nothing to instrument)")
        else:
            findings.problem(f"{state}; found {check.found}: unsupported, it will be skipped")

    findings.section("Other instrumentors of the same libraries")
    clashes = 0
    for entry_point in entry_points:
        if entry_point.name in LLMLENS_INSTRUMENTORS:
            continue
        try:
            dist = distribution_of(entry_point)
            libraries = instrumented_libraries(dist) if dist is not None else set()
        except Exception:  # noqa: BLE001 - a broken metadata file is not our problem
            continue
        for ours_name, covered in COVERED_LIBRARIES.items():
            overlap = libraries & covered
            if not overlap or ours_name not in ours:
                continue
            if entry_point.name in disabled or ours_name in disabled:
                continue
            clashes += 1
            dist_name = dist.metadata["Name"] if dist is not None else "?"
            findings.problem(
                f"{entry_point.name} ({dist_name}) also instruments {', '.join(sorted(overlap))}: "
                f"calls would be recorded twice; uninstall it or set "
                f"OTEL_PYTHON_DISABLED_INSTRUMENTATIONS={entry_point.name}")
    if not clashes:
        findings.item("none")


def effective_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment as the distro will leave it (defaults filled in)."""
    from llmlens.distro import apply_environment_defaults

    effective = dict(environ)
    apply_environment_defaults(effective)
    return effective


def otlp_protocol(environ: Mapping[str, str], signal: str) -> str:
    return (environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_PROTOCOL")
            or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc").strip()


def otlp_endpoint(environ: Mapping[str, str], signal: str, protocol: str) -> str:
    specific = environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    if specific:
        return specific
    base = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    port = _OTLP_PORTS.get(protocol, 4317)
    if protocol == "http/protobuf":
        return f"{(base or f'http://localhost:{port}').rstrip('/')}/v1/{signal}"
    return base or f"http://localhost:{port}"


def header_names(environ: Mapping[str, str], signal: str) -> list[str]:
    """Only the names: header values are credentials and are never printed."""
    names = []
    for variable in ("OTEL_EXPORTER_OTLP_HEADERS", f"OTEL_EXPORTER_OTLP_{signal.upper()}_HEADERS"):
        for pair in (environ.get(variable) or "").split(","):
            name = pair.split("=", 1)[0].strip()
            if name:
                names.append(name)
    return sorted(set(names))


def check_exporters(findings: Findings, environ: Mapping[str, str]) -> None:
    effective = effective_environment(environ)
    findings.section("Exporters (after llmlens defaults)")
    service = effective.get("OTEL_SERVICE_NAME") or _service_from_resource(effective)
    findings.item(f"service.name: {service or 'unknown_service (set OTEL_SERVICE_NAME)'}")
    if effective.get("OTEL_RESOURCE_ATTRIBUTES"):
        findings.item(f"resource attributes: {effective['OTEL_RESOURCE_ATTRIBUTES']}")
    for signal in _SIGNALS:
        raw = effective.get(f"OTEL_{signal.upper()}_EXPORTER", "")
        names = [name.strip() for name in raw.split(",") if name.strip()]
        if not names or names == ["none"]:
            findings.item(f"{signal}: none")
            continue
        for name in names:
            findings.item(f"{signal}: {_describe_exporter(effective, signal, name)}")
    findings.item(f"sampler: {effective.get('OTEL_TRACES_SAMPLER') or 'parentbased_always_on'}"
                  + (f" ({effective['OTEL_TRACES_SAMPLER_ARG']})"
                     if effective.get("OTEL_TRACES_SAMPLER_ARG") else ""))
    findings.item(f"metric export interval: "
                  f"{effective.get('OTEL_METRIC_EXPORT_INTERVAL') or '60000'} ms")
    bridge = effective.get("LLMLENS_LOG_BRIDGE", "true").strip().lower()
    if bridge in ("false", "0", "no", "off"):
        findings.item("python logging -> OpenTelemetry logs: off")
    else:
        findings.item(f"python logging -> OpenTelemetry logs: "
                      f"{effective.get('LLMLENS_LOG_LEVEL') or 'WARNING'} and above")


def _describe_exporter(environ: Mapping[str, str], signal: str, name: str) -> str:
    from llmlens.exporters.jsonl import DEFAULT_PATH, PATH_VARIABLE

    if name in ("otlp", "otlp_proto_grpc", "otlp_proto_http"):
        protocol = {"otlp_proto_grpc": "grpc", "otlp_proto_http": "http/protobuf"}.get(
            name, otlp_protocol(environ, signal))
        text = f"OTLP {protocol} -> {otlp_endpoint(environ, signal, protocol)}"
        headers = header_names(environ, signal)
        if headers:
            text += f" (headers: {', '.join(headers)})"
        if protocol not in _OTLP_PORTS:
            text += " - unsupported protocol, gRPC will be used"
        return text
    if name == "llmlens_jsonl":
        return f"JSON lines -> {environ.get(PATH_VARIABLE) or DEFAULT_PATH}"
    if name == "llmlens_console":
        return f"console trees -> {environ.get('LLMLENS_CONSOLE_STREAM') or 'stderr'}"
    return name


def _service_from_resource(environ: Mapping[str, str]) -> str | None:
    for pair in (environ.get("OTEL_RESOURCE_ATTRIBUTES") or "").split(","):
        key, _, value = pair.partition("=")
        if key.strip() == "service.name":
            return value.strip()
    return None


def check_anthropic_native_tracing(findings: Findings) -> None:
    import importlib.util

    if importlib.util.find_spec("llmlens_anthropic") is None:
        return
    findings.section("Anthropic built-in tracing")
    try:
        from llmlens_anthropic import native_tracing_status  # type: ignore[attr-defined]
    except ImportError:
        findings.item("llmlens_anthropic does not report it (native_tracing_status missing)")
        return
    except Exception as exc:  # noqa: BLE001 - fail open
        findings.item(f"llmlens_anthropic could not be imported: {exc}")
        return
    try:
        status = native_tracing_status()
    except Exception as exc:  # noqa: BLE001 - fail open
        findings.item(f"status unavailable: {exc}")
        return
    for line in _status_lines(status):
        findings.item(line)


def _status_lines(status: Any) -> list[str]:
    """A status given as a mapping, a dataclass (its ``summary`` first) or text."""
    import dataclasses

    if dataclasses.is_dataclass(status) and not isinstance(status, type):
        fields = dataclasses.asdict(status)
        summary = fields.pop("summary", None)
        lines = [str(summary)] if summary else []
        return lines + [f"{key.replace('_', ' ')}: {value}" for key, value in fields.items()]
    if isinstance(status, Mapping):
        return [f"{key}: {value}" for key, value in status.items()]
    return [str(status)]


DoctorSectionRun = Callable[[Any, IO[str]], Any]


def diagnose(environ: Mapping[str, str] | None = None) -> Findings:
    environ = os.environ if environ is None else environ
    findings = Findings()
    check_versions(findings)
    for env_step in (check_distro_selection, check_instrumentors, check_exporters):
        try:
            env_step(findings, environ)
        except Exception as exc:  # noqa: BLE001 - report what we can
            findings.problem(f"{env_step.__name__} failed: {exc}")
    check_anthropic_native_tracing(findings)
    return findings


def run(args: Any, out: IO[str], sections: Mapping[str, DoctorSectionRun] | None = None) -> int:
    findings = diagnose()
    out.write("\n".join(findings.lines) + "\n")
    for dest, section in (sections or {}).items():
        if getattr(args, dest, None):
            out.write("\n")
            try:
                section(args, out)
            except Exception as exc:  # noqa: BLE001
                findings.problems.append(f"{dest}: {exc}")
                out.write(f"  ! {dest} failed: {exc}\n")
    if findings.problems:
        out.write(f"\n{len(findings.problems)} problem(s) found\n")
        return 1
    out.write("\nno problems found\n")
    return 0

"""The ``llmlens`` command: a small dispatcher.

Built in: ``llmlens report FILE [--by ATTR ...] [--json]`` and ``llmlens doctor``.
Other parts of llmlens (or plugins) add subcommands and doctor sections by
declaring an entry point in the ``llmlens_cli`` group that names a function
taking the :class:`Registry`::

    [project.entry-points.llmlens_cli]
    export = "llmlens.ops.cli:register"

    def register(registry):
        registry.add_command("export", "write dashboards, alerts or a collector config",
                             add_arguments, run)           # run(args) -> exit status
        registry.add_doctor_section("--prices", "check the price table", run_prices)
                                                           # run_prices(args, out)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

ENTRY_POINT_GROUP = "llmlens_cli"

AddArguments = Callable[[argparse.ArgumentParser], None]
RunCommand = Callable[[argparse.Namespace], "int | None"]
RunDoctorSection = Callable[[argparse.Namespace, IO[str]], Any]


@dataclass
class Command:
    name: str
    help: str
    add_arguments: AddArguments | None
    run: RunCommand


@dataclass
class DoctorSection:
    flag: str
    help: str
    run: RunDoctorSection
    add_arguments: AddArguments | None = None

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    doctor_sections: list[DoctorSection] = field(default_factory=list)

    def add_command(self, name: str, help: str, add_arguments: AddArguments | None,
                    run: RunCommand) -> None:
        self.commands[name] = Command(name, help, add_arguments, run)

    def add_doctor_section(self, flag: str, help: str, run: RunDoctorSection,
                           add_arguments: AddArguments | None = None) -> None:
        """A ``llmlens doctor FLAG`` section; ``add_arguments`` may add the flag
        itself (with a value), else it is a plain on/off switch."""
        self.doctor_sections = [s for s in self.doctor_sections if s.flag != flag]
        self.doctor_sections.append(DoctorSection(flag, help, run, add_arguments))


def _report_arguments(parser: argparse.ArgumentParser) -> None:
    from llmlens import report

    report.add_arguments(parser)


def _run_report(args: argparse.Namespace) -> int:
    from llmlens import report

    return report.run(args)


def builtin_registry() -> Registry:
    registry = Registry()
    registry.add_command("report", "summarise a JSON-lines span file "
                         "(calls, errors, latency, TTFT, tokens, cost)",
                         _report_arguments, _run_report)
    registry.add_command("doctor", "check versions, instrumentors and exporter settings",
                         None, lambda args: 0)  # wired up in build_parser (needs sections)
    return registry


def load_plugins(registry: Registry, err: IO[str]) -> None:
    from importlib.metadata import entry_points

    try:
        found = entry_points(group=ENTRY_POINT_GROUP)
    except TypeError:  # Python 3.10 without selectable groups
        found = entry_points().get(ENTRY_POINT_GROUP, [])  # type: ignore[attr-defined]
    for entry_point in found:
        try:
            entry_point.load()(registry)
        except Exception as exc:  # noqa: BLE001 - one broken plugin must not break the CLI
            err.write(f"llmlens: ignoring command plugin {entry_point.name}: {exc}\n")


def build_parser(registry: Registry, out: IO[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="llmlens", description="llmlens: OpenTelemetry for LLM applications.")
    from llmlens import __version__

    parser.add_argument("--version", action="version", version=f"llmlens {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in registry.commands.values():
        sub_parser = sub.add_parser(command.name, help=command.help, description=command.help)
        if command.name == "doctor":
            _wire_doctor(sub_parser, registry, out)
            continue
        if command.add_arguments is not None:
            command.add_arguments(sub_parser)
        sub_parser.set_defaults(handler=command.run)
    return parser


def _wire_doctor(parser: argparse.ArgumentParser, registry: Registry, out: IO[str]) -> None:
    sections = {}
    for section in registry.doctor_sections:
        if section.add_arguments is not None:
            section.add_arguments(parser)
        else:
            parser.add_argument(section.flag, dest=section.dest, action="store_true",
                                help=section.help)
        sections[section.dest] = section.run

    def run_doctor(args: argparse.Namespace) -> int:
        from llmlens import doctor

        return doctor.run(args, out, sections)

    parser.set_defaults(handler=run_doctor)


def main(argv: Sequence[str] | None = None, out: IO[str] | None = None,
         err: IO[str] | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    registry = builtin_registry()
    load_plugins(registry, err)
    parser = build_parser(registry, out)
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(out)
        return 2
    try:
        status = handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    return int(status or 0)


if __name__ == "__main__":
    raise SystemExit(main())

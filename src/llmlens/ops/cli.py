"""``llmlens export dashboards|alerts|collector DIR``."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def _arguments(parser: argparse.ArgumentParser) -> None:
    from llmlens.ops.build import KINDS

    parser.add_argument("kind", choices=KINDS,
                        help="dashboards (Grafana JSON), alerts (Prometheus rule files) "
                             "or collector (OpenTelemetry Collector configs)")
    parser.add_argument("directory", type=Path, help="where to write the files")


def _run(args: argparse.Namespace) -> int:
    from llmlens.ops.build import export

    for path in export(args.kind, args.directory):
        print(path)
    return 0


def register(registry: Any) -> None:
    registry.add_command("export", "write the Grafana dashboards, Prometheus rules or "
                         "Collector configs", _arguments, _run)

"""``llmlens doctor --prices MODEL...`` (registered through the ``llmlens_cli``
entry point group)."""

from __future__ import annotations

import argparse
from typing import IO, Any


def register(registry: Any) -> None:
    registry.add_doctor_section(
        "--prices", "show what MODEL costs per million tokens and where the price comes from",
        _run_prices, _add_arguments,
    )


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--prices", nargs="+", metavar="MODEL", default=None,
        help="show the prices of MODEL (or PROVIDER:MODEL) and where they come from",
    )


def _run_prices(args: argparse.Namespace, out: IO[str]) -> None:
    from llmlens.economics import doctor_prices

    out.write(doctor_prices(list(args.prices)))

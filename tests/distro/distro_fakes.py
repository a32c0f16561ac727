"""Installable-looking fake distributions for tests: a ``*.dist-info`` folder
with METADATA and entry points, plus module files, in a directory that a
subprocess puts on its path. importlib.metadata reads them like any wheel."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path


def make_dist(
    root: Path,
    name: str,
    version: str = "1.0.0",
    *,
    entry_points: dict[str, dict[str, str]] | None = None,
    requires: list[str] | None = None,
    modules: dict[str, str] | None = None,
) -> None:
    root.mkdir(parents=True, exist_ok=True)
    info = root / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    metadata = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    metadata += [f"Requires-Dist: {requirement}" for requirement in requires or []]
    (info / "METADATA").write_text("\n".join(metadata) + "\n")
    if entry_points:
        lines = []
        for group, items in entry_points.items():
            lines.append(f"[{group}]")
            lines += [f"{key} = {value}" for key, value in items.items()]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n")
    for filename, source in (modules or {}).items():
        (root / filename).write_text(textwrap.dedent(source))


def bin_path(tool: str) -> str:
    return os.path.join(os.path.dirname(sys.executable), tool)


def clean_env(**overrides: str) -> dict[str, str]:
    """The test process's environment without OTEL_/LLMLENS_ settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OTEL_", "LLMLENS_", "PYTHONPATH"))}
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], cwd: Path | None = None,
        timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)

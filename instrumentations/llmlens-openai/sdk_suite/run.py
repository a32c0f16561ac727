"""Run the openai SDK's own test suite twice, plain and under llmlens
(content capture on), and fail on any difference in outcomes.

The tests come from the sdist of the installed openai release, downloaded
into a temporary directory. Tests that need the API mock server
(tests/api_resources) are left out. Usage:

    python run.py [--keep] [--workers N] [extra pytest args]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDS_MOCK_SERVER = ("tests/api_resources",)


def fetch_sdist(version: str, into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-binary", ":all:",
         "--no-deps", "--disable-pip-version-check", f"openai=={version}", "-d", str(into)],
        check=True,
    )
    [archive] = into.glob("openai-*.tar.gz")
    with tarfile.open(archive) as tar:
        try:
            tar.extractall(into, filter="data")
        except TypeError:  # Python without extraction filters
            tar.extractall(into)  # an sdist just downloaded from PyPI
    return into / f"openai-{version}"


def run_suite(source: Path, label: str, instrumented: bool, workers: int,
              extra: list[str], workdir: Path) -> tuple[dict[str, str], int | None, float]:
    outcomes = workdir / f"{label}.json"
    spans = workdir / f"{label}.spans"
    env = dict(os.environ)
    env.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["LLMLENS_SDK_OUTCOMES"] = str(outcomes)
    env["LLMLENS_SDK_SPANS"] = str(spans)
    command = [
        sys.executable, "-m", "pytest", "tests", "-q", "-p", "no:cacheprovider",
        # the sdist's addopts ask for xdist's auto worker count and durations
        "-o", "addopts=", "--continue-on-collection-errors",
        "-p", "llmlens_sdk_outcomes",
        *(["-p", "llmlens_sdk_instrument"] if instrumented else []),
        *(["-n", str(workers)] if workers > 1 else []),
        *[f"--ignore={p}" for p in NEEDS_MOCK_SERVER],
        *extra,
    ]
    started = time.monotonic()
    completed = subprocess.run(command, cwd=source, env=env, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    summary = completed.stdout.strip().splitlines()[-1:] or ["(no output)"]
    print(f"[{label}] {summary[0]}  ({elapsed:.0f}s)", flush=True)
    if not outcomes.exists():
        print(completed.stdout[-4000:], completed.stderr[-4000:], sep="\n")
        raise SystemExit(f"[{label}] pytest wrote no outcomes (exit {completed.returncode})")
    recorded = None
    if spans.exists():
        recorded = sum(int(line) for line in spans.read_text().split())
    return json.loads(outcomes.read_text()), recorded, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers")
    args, extra = parser.parse_known_args()

    version = importlib.metadata.version("openai")
    workdir = Path(tempfile.mkdtemp(prefix="llmlens-openai-sdk-"))
    print(f"openai {version}: fetching its sdist tests", flush=True)
    source = fetch_sdist(version, workdir)

    plain, _, _ = run_suite(source, "plain", False, args.workers, extra, workdir)
    instrumented, spans, _ = run_suite(source, "llmlens", True, args.workers, extra, workdir)

    problems: list[str] = []
    for test in sorted(set(plain) | set(instrumented)):
        before, after = plain.get(test, "absent"), instrumented.get(test, "absent")
        if before != after:
            problems.append(f"  {test}: {before} -> {after}")
    counts: dict[str, int] = {}
    for outcome in plain.values():
        counts[outcome] = counts.get(outcome, 0) + 1
    print(f"outcomes without llmlens: {dict(sorted(counts.items()))}")
    print(f"spans recorded under llmlens: {spans}")
    if not args.keep:
        import shutil

        shutil.rmtree(workdir, ignore_errors=True)
    if problems:
        print(f"{len(problems)} tests changed outcome under llmlens:")
        print("\n".join(problems))
        return 1
    if not plain or counts.get("passed", 0) == 0:
        print("no test passed: the comparison proves nothing")
        return 1
    if not spans:
        print("llmlens recorded no span: the instrumented run did not exercise it")
        return 1
    print(f"{len(plain)} tests: same outcome with and without llmlens")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run the openai SDK's own test suite twice, plain and under llmlens
(content capture on), and fail on any difference in outcomes.

The tests come from the sdist of the installed openai release, downloaded
into a temporary directory. Tests that need the API mock server
(tests/api_resources) are left out. By default the run keeps the test files
that call a method llmlens wraps, less a few large ones about other helpers
(tool runners, computer/browser tools, Bedrock/Vertex auth); ``--all`` runs
every file that needs no mock server. Usage:

    python run.py [--all] [--keep] [--workers N] [extra pytest args]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NEEDS_MOCK_SERVER = "tests/api_resources"
# a test file that calls one of the methods llmlens wraps
CALLS_WRAPPED = re.compile(
    r"chat\.completions\.(create|parse|stream)|\.responses\.(create|parse|stream)"
    r"|embeddings\.create|\bcompletions\.create")
# large files about other helpers: minutes of runtime, little of ours exercised
OFF_TOPIC = re.compile(
    r"tool_runner|test_computer|test_browser|test_bedrock|test_vertex|azure_deployment_path")


def select_tests(source: Path, everything: bool) -> list[str]:
    if everything:
        return ["tests", f"--ignore={NEEDS_MOCK_SERVER}"]
    chosen = []
    for path in sorted((source / "tests").rglob("test_*.py")):
        relative = path.relative_to(source).as_posix()
        if relative.startswith(NEEDS_MOCK_SERVER) or OFF_TOPIC.search(relative):
            continue
        if CALLS_WRAPPED.search(path.read_text(encoding="utf-8", errors="replace")):
            chosen.append(relative)
    return chosen


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
              selection: list[str], extra: list[str], workdir: Path,
              ) -> tuple[dict[str, str], int | None, float]:
    outcomes = workdir / f"{label}.json"
    spans = workdir / f"{label}.spans"
    env = dict(os.environ)
    env.pop("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), env.get("PYTHONPATH")]))
    env["LLMLENS_SDK_OUTCOMES"] = str(outcomes)
    env["LLMLENS_SDK_SPANS"] = str(spans)
    command = [
        sys.executable, "-m", "pytest", *selection, "-q", "-p", "no:cacheprovider",
        # the sdist's addopts ask for xdist's auto worker count and durations
        "-o", "addopts=", "--continue-on-collection-errors",
        "-p", "llmlens_sdk_outcomes",
        *(["-p", "llmlens_sdk_instrument"] if instrumented else []),
        *(["-n", str(workers)] if workers > 1 else []),
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
    parser.add_argument("--all", action="store_true", help="every file needing no mock server")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers")
    args, extra = parser.parse_known_args()

    version = importlib.metadata.version("openai")
    workdir = Path(tempfile.mkdtemp(prefix="llmlens-openai-sdk-"))
    print(f"openai {version}: fetching its sdist tests", flush=True)
    source = fetch_sdist(version, workdir)
    selection = select_tests(source, args.all)
    print(f"running {'all tests' if args.all else f'{len(selection)} test files'} twice",
          flush=True)

    plain, _, _ = run_suite(source, "plain", False, args.workers, selection, extra, workdir)
    instrumented, spans, _ = run_suite(source, "llmlens", True, args.workers, selection, extra,
                                       workdir)

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

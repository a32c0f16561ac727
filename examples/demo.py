"""``tox -e demo``: what llmlens shows, with no API key and no backend, in about a minute.

Starts the local mock LLM server (with latency and a few faults), runs every example
app under ``opentelemetry-instrument`` with the console tree and JSON-lines exporters,
puts load on the FastAPI example service, then prints ``llmlens report`` of the run.
"""

from __future__ import annotations

import argparse
import importlib.util
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from telemetry_env import (
    EXAMPLES_DIR,
    TelemetrySetup,
    detect_setup,
    executable,
    instrumented_command,
    instrumented_env,
    run_instrumented,
)

from mock_llm import FaultProfile, LatencyProfile, RunningServer, ServerConfig, start_server


@dataclass(frozen=True)
class App:
    script: str
    title: str
    needs: tuple[str, ...]  # modules the app imports, to skip it cleanly when missing


APPS = [
    App("openai_chat.py", "OpenAI chat: a streamed answer and a tool call", ("openai",)),
    App("anthropic_stream.py", "Anthropic streaming chat, cached system prompt", ("anthropic",)),
    App("rag_llamaindex.py", "LlamaIndex RAG: embed, retrieve, filter, generate", ("llama_index",)),
    App("langchain_chain.py", "LangChain chain with a retriever and a tool", ("langchain_openai",)),
]
SERVICE = App("fastapi_service.py", "FastAPI /chat service under load", ("fastapi", "uvicorn"))
DEMO_CONFIG = ServerConfig(
    seed=42,
    latency=LatencyProfile(ttft_ms=150, itl_ms=6, jitter=0.6, slow_share=0.05, slow_factor=4),
    faults=FaultProfile(rate=0.05, kinds=("429", "500", "529"), retry_after_ms=150),
)


def banner(text: str) -> None:
    print(f"\n=== {text}", flush=True)


def missing_modules(app: App) -> list[str]:
    return [name for name in app.needs if importlib.util.find_spec(name) is None]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url + "/health", timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.3)
    return False


def run_service_under_load(env: dict[str, str], users: int, duration: float) -> bool:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Without retries in the service, injected faults show up as errors in the report.
    env = {**env, "LLM_MAX_RETRIES": "0"}
    service = subprocess.Popen(instrumented_command(SERVICE.script, "--port", str(port)), env=env)
    try:
        if not wait_until_healthy(url, service, timeout=90):
            print("the FastAPI service did not start", flush=True)
            return False
        loadgen = [sys.executable, str(EXAMPLES_DIR / "loadgen.py"), "--target", "service"]
        loadgen += ["--url", url, "--users", str(users), "--duration", str(duration)]
        return subprocess.run(loadgen, env=env, check=False).returncode == 0
    finally:
        service.send_signal(2)  # SIGINT: uvicorn shuts down cleanly and spans are flushed
        try:
            service.wait(timeout=30)
        except subprocess.TimeoutExpired:
            service.kill()


def describe(setup: TelemetrySetup, server: RunningServer, spans: Path) -> None:
    latency, faults = DEMO_CONFIG.latency, DEMO_CONFIG.faults
    print("llmlens demo")
    print(
        f"  mock LLM server  {server.url}  (seed {DEMO_CONFIG.seed}, first token "
        f"~{latency.ttft_ms:.0f} ms, {latency.itl_ms:.0f} ms/token, {latency.slow_share:.0%} "
        f"{latency.slow_factor:.0f}x slower, {faults.rate:.0%} faults: {'/'.join(faults.kinds)})"
    )
    print(f"  distro           {setup.distro or 'none'}")
    print(f"  instrumentors    {', '.join(setup.instrumentors) or 'none of llmlens yet'}")
    target = f" -> {spans}" if setup.writes_jsonl else ""
    print(f"  trace exporters  {setup.traces_exporter}{target}")
    for note in setup.notes:
        print(f"  note: {note}")


def print_report(setup: TelemetrySetup, spans: Path) -> None:
    command = ["llmlens", "report", str(spans), "--by", "user.id"]
    banner(" ".join(command))
    if not setup.has_report:
        print("llmlens report is not available in this environment; nothing to summarize")
        return
    if not spans.exists():
        print("no spans were written")
        return
    subprocess.run([executable("llmlens"), *command[1:]], check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("llmlens-demo-spans.jsonl"))
    parser.add_argument("--users", type=int, default=6, help="load generator users")
    parser.add_argument("--duration", type=float, default=8.0, help="load generator seconds")
    parser.add_argument("--no-load", action="store_true", help="skip the service under load")
    args = parser.parse_args(argv)

    started = time.monotonic()
    setup = detect_setup()
    spans = args.out.resolve()
    spans.unlink(missing_ok=True)
    failures: list[str] = []
    with start_server(DEMO_CONFIG) as server:
        describe(setup, server, spans)
        env_for = lambda name: instrumented_env(  # noqa: E731
            setup, name, server.openai_base_url, server.anthropic_base_url, spans
        )
        apps = [*APPS, *([] if args.no_load else [SERVICE])]
        for number, app in enumerate(apps, start=1):
            banner(f"{number}/{len(apps)} {app.script}: {app.title}")
            step_started = time.monotonic()
            missing = missing_modules(app)
            if missing:
                print(f"skipped: {', '.join(missing)} not installed")
                continue
            if app is SERVICE:
                # Hundreds of request trees would drown the console: this step writes JSON only.
                quiet = detect_setup(console=False)
                env = instrumented_env(
                    quiet, "chat-service", server.openai_base_url, server.anthropic_base_url, spans
                )
                print(
                    f"spans of this step go to {spans.name} only (exporter {quiet.traces_exporter})"
                )
                ok = run_service_under_load(env, args.users, args.duration)
            else:
                service_name = app.script.removesuffix(".py").replace("_", "-")
                result = run_instrumented(app.script, env_for(service_name), timeout=180)
                ok = result.returncode == 0
            print(
                f"--- {app.script}: {'ok' if ok else 'FAILED'} in "
                f"{time.monotonic() - step_started:.1f}s"
            )
            if not ok:
                failures.append(app.script)
        stats = server.stats
    requests = sum(count for key, count in stats.items() if key.startswith("requests"))
    faults = {key.removeprefix("fault "): n for key, n in stats.items() if key.startswith("fault")}
    fault_text = ", ".join(f"{kind} x{n}" for kind, n in sorted(faults.items())) or "none"
    banner(f"mock server: {requests} requests, injected faults: {fault_text}")
    print_report(setup, spans)
    elapsed = time.monotonic() - started
    print(f"\ndemo finished in {elapsed:.0f}s", end="")
    if setup.writes_jsonl:
        print(f"; spans in {spans} (try: llmlens report {spans.name} --by llmlens.team)", end="")
    print()
    if failures:
        print(f"failed apps: {', '.join(failures)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

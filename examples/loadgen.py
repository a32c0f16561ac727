"""Load generator: N concurrent users for T seconds, models and users mixed.

Drives the FastAPI example service over HTTP, or the OpenAI and Anthropic SDKs
directly, then prints a summary of requests, errors and latency percentiles.

    python examples/loadgen.py --target service --url http://127.0.0.1:8000 --users 8 --duration 20
    opentelemetry-instrument python examples/loadgen.py --target sdk --users 4 --duration 10

With ``--target sdk`` the SDKs read OPENAI_BASE_URL / ANTHROPIC_BASE_URL and the keys
as usual; run it under ``opentelemetry-instrument`` to trace every call.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from demo_users import acting_as

FAKE_USERS = [
    ("alice", "search"),
    ("bob", "support"),
    ("carol", "support"),
    ("dave", "research"),
    ("erin", "research"),
    ("frank", "docs"),
    ("grace", "docs"),
    ("heidi", "platform"),
]
PROMPTS = [
    "Summarize what a trace is in two sentences.",
    "Why does time to first token matter for chat?",
    "Give me three tips to reduce token usage.",
    "Explain rate limits to a new engineer.",
    "What should a latency dashboard show?",
]
DEFAULT_MODELS = "gpt-4o-mini,gpt-4.1-mini,gpt-5-mini,claude-haiku-4-5,claude-sonnet-4-6"


@dataclass(frozen=True)
class Outcome:
    model: str
    user: str
    seconds: float
    error: str | None = None


@dataclass
class Tally:
    outcomes: list[Outcome] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, outcome: Outcome) -> None:
        with self.lock:
            self.outcomes.append(outcome)

    def snapshot(self) -> list[Outcome]:
        with self.lock:
            return list(self.outcomes)


Send = Callable[[str, str, str, str, bool], None]


def service_sender(url: str, timeout: float) -> Send:
    """POST /chat on the example service, naming the user and team in W3C baggage."""

    def send(user: str, team: str, model: str, prompt: str, stream: bool) -> None:
        body = json.dumps({"message": prompt, "model": model, "stream": stream}).encode()
        request = urllib.request.Request(
            url.rstrip("/") + "/chat",
            data=body,
            headers={
                "content-type": "application/json",
                "baggage": f"user.id={user},llmlens.team={team}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise RuntimeError(f"HTTP {exc.code}") from exc

    return send



def sdk_sender(max_retries: int, timeout: float) -> Send:
    """Call the SDKs directly; the model name picks the provider."""
    import os

    import anthropic
    import openai

    for base_url, key in (
        ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
        ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"),
    ):
        if os.environ.get(base_url):
            os.environ.setdefault(key, "mock-key")  # the mock server takes any key
    openai_client = openai.OpenAI(max_retries=max_retries, timeout=timeout)
    anthropic_client = anthropic.Anthropic(max_retries=max_retries, timeout=timeout)

    def send(user: str, team: str, model: str, prompt: str, stream: bool) -> None:
        messages = [{"role": "user", "content": prompt}]
        with acting_as(user, team):
            if model.startswith("claude"):
                if stream:
                    with anthropic_client.messages.stream(
                        model=model, max_tokens=256, messages=messages
                    ) as events:
                        events.get_final_message()
                else:
                    anthropic_client.messages.create(model=model, max_tokens=256, messages=messages)
            elif stream:
                for _ in openai_client.chat.completions.create(
                    model=model,
                    messages=messages,
                    stream=True,
                    stream_options={"include_usage": True},
                ):
                    pass
            else:
                openai_client.chat.completions.create(model=model, messages=messages)

    return send


def run_user(
    index: int,
    send: Send,
    models: list[str],
    deadline: float,
    think_seconds: float,
    stream_share: float,
    seed: int,
    tally: Tally,
) -> None:
    user, team = FAKE_USERS[index % len(FAKE_USERS)]
    rng = random.Random(f"{seed}:{index}")
    while time.monotonic() < deadline:
        model = rng.choice(models)
        prompt = rng.choice(PROMPTS)
        stream = rng.random() < stream_share
        started = time.monotonic()
        error = None
        try:
            send(user, team, model, prompt, stream)
        except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
            error = str(exc) if str(exc).startswith("HTTP") else type(exc).__name__
        tally.add(Outcome(model, user, time.monotonic() - started, error))
        time.sleep(think_seconds * rng.uniform(0.5, 1.5))


def progress_line(elapsed: float, duration: float, outcomes: list[Outcome], width: int = 28) -> str:
    done = min(elapsed / duration, 1.0) if duration else 1.0
    bar = "#" * int(done * width) + "." * (width - int(done * width))
    errors = sum(1 for outcome in outcomes if outcome.error)
    rate = len(outcomes) / elapsed if elapsed > 0 else 0.0
    return (
        f"[{bar}] {done:4.0%} {elapsed:5.1f}/{duration:.0f}s  "
        f"{len(outcomes)} requests  {errors} errors  {rate:.1f} req/s"
    )


def show_progress(tally: Tally, started: float, duration: float, stop: threading.Event) -> None:
    interactive = sys.stderr.isatty()
    quarters_printed = 0
    while not stop.wait(0.2):
        elapsed = time.monotonic() - started
        line = progress_line(elapsed, duration, tally.snapshot())
        if interactive:
            print("\r" + line, end="", file=sys.stderr, flush=True)
        elif elapsed >= quarters_printed * duration / 4 and quarters_printed < 4:
            # Not a terminal (CI, a log file): a line at each quarter instead of redraws.
            quarters_printed += 1
            print(line, file=sys.stderr, flush=True)
    final = progress_line(duration, duration, tally.snapshot())
    print(("\r" if interactive else "") + final, file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile of sorted-or-not values (q in 0..100)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary(outcomes: list[Outcome], duration: float) -> str:
    lines = []
    header = f"{'model':<20} {'requests':>8} {'errors':>6} {'p50':>8} {'p95':>8} {'p99':>8}"
    lines.append(header)
    lines.append("-" * len(header))
    by_model: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_model[outcome.model].append(outcome)
    for model, group in [*sorted(by_model.items()), ("total", outcomes)]:
        latencies = [outcome.seconds for outcome in group]
        errors = sum(1 for outcome in group if outcome.error)
        cells = [f"{percentile(latencies, q) * 1000:6.0f}ms" for q in (50, 95, 99)]
        if model == "total":
            lines.append("-" * len(header))
        lines.append(f"{model:<20} {len(group):>8} {errors:>6} " + " ".join(cells))
    kinds = Counter(outcome.error for outcome in outcomes if outcome.error)
    if kinds:
        lines.append("errors: " + ", ".join(f"{kind} x{count}" for kind, count in kinds.items()))
    users = len({outcome.user for outcome in outcomes})
    lines.append(
        f"{len(outcomes)} requests from {users} users in {duration:.1f}s "
        f"({len(outcomes) / duration:.1f} req/s)"
    )
    return "\n".join(lines)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Concurrent users against the example service.")
    parser.add_argument("--target", choices=("service", "sdk"), default="service")
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the service's base URL")
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("--models", default=DEFAULT_MODELS, help="comma-separated")
    parser.add_argument("--stream-share", type=float, default=0.5, help="share of streamed calls")
    parser.add_argument("--think-ms", type=float, default=100.0, help="pause between requests")
    parser.add_argument("--max-retries", type=int, default=1, help="SDK retries (sdk target)")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    models = [model.strip() for model in args.models.split(",") if model.strip()]
    if args.target == "service":
        send = service_sender(args.url, args.timeout)
    else:
        send = sdk_sender(args.max_retries, args.timeout)
    tally = Tally()
    started = time.monotonic()
    deadline = started + args.duration
    print(
        f"loadgen: {args.users} users, {args.duration:.0f}s, target {args.target}, "
        f"models {', '.join(models)}",
        file=sys.stderr,
    )
    workers = [
        threading.Thread(
            target=run_user,
            args=(
                i,
                send,
                models,
                deadline,
                args.think_ms / 1000,
                args.stream_share,
                args.seed,
                tally,
            ),
            daemon=True,
        )
        for i in range(args.users)
    ]
    stop = threading.Event()
    progress = threading.Thread(
        target=show_progress, args=(tally, started, args.duration, stop), daemon=True
    )
    progress.start()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=args.duration + args.timeout + 5)
    stop.set()
    progress.join()
    outcomes = tally.snapshot()
    if not outcomes:
        print("loadgen: no request completed", file=sys.stderr)
        return 1
    print(summary(outcomes, time.monotonic() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())

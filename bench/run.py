#!/usr/bin/env python3
"""What llmlens costs every request, against the uninstrumented SDK and the floor.

The floor is the cost of emitting the same span and the same metric points
straight through the OpenTelemetry SDK with no extraction at all: precomputed
attributes, one span, one duration point and two token points per call. It is
what any instrumentation must pay; the rest is ours to shrink.

Method: one long-lived worker process per configuration (instrumentation
patches globally), driven one at a time over a pipe so they never compete for
CPU; every round asks each configuration in rotated order to run a block of
calls and reports the worker's CPU time per call. Overheads are taken against
the baseline block of the same round, and the median over rounds is reported.
The machines are shared and noisy: read the ratios, not lone absolute times.

    python bench/run.py [--rounds 7] [--k 300] [--k-stream 100] [--growth]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata as md
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402

CONFIGS = ("baseline", "floor", "llmlens", "llmlens+distro")
CASES = ("openai-sync", "openai-async", "openai-stream", "anthropic-sync", "anthropic-stream")
STREAM_CASES = {"openai-stream", "anthropic-stream"}


# ---------------------------------------------------------------------------
# worker side
# ---------------------------------------------------------------------------

def _http_module(sdk: Any) -> Any:
    """The HTTP library the installed SDK sends with (httpx2 for the newest)."""
    base = sys.modules[sdk.__name__ + "._base_client"]
    return base.httpx2 if hasattr(base, "httpx2") else base.httpx


class CountingExporter:
    """Drops spans but counts them: no growth from the exporter itself."""

    def __init__(self) -> None:
        self.count = 0

    def export(self, spans: Any) -> Any:
        from opentelemetry.sdk.trace.export import SpanExportResult

        self.count += len(spans)
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        pass

    def force_flush(self, timeout_millis: int = 0) -> bool:
        return True


class Worker:
    def __init__(self, config: str) -> None:
        from opentelemetry import metrics, trace
        from opentelemetry.sdk._logs import LoggerProvider
        from opentelemetry.sdk.metrics import MeterProvider
        from opentelemetry.sdk.metrics.export import InMemoryMetricReader
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor

        self.config = config
        self.exporter = CountingExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.logger_provider = LoggerProvider()
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)
        providers = {"tracer_provider": self.tracer_provider,
                     "meter_provider": self.meter_provider,
                     "logger_provider": self.logger_provider}
        if config == "floor":
            install_floor(self.tracer_provider, self.meter_provider)
        elif config.startswith("llmlens"):
            for ep in md.entry_points(group="opentelemetry_instrumentor"):
                if ep.name in ("llmlens_openai", "llmlens_anthropic"):
                    ep.load()().instrument(**providers)
            if config == "llmlens+distro":
                from llmlens import economics

                economics.install(self.tracer_provider, self.meter_provider,
                                  self.logger_provider)
        self._build_clients()

    def _build_clients(self) -> None:
        import anthropic
        import openai

        bodies = {
            ("/v1/chat/completions", False): (payloads.openai_chat(), "application/json"),
            ("/v1/chat/completions", True): (payloads.openai_chat_stream(), "text/event-stream"),
            ("/v1/messages", False): (payloads.anthropic_message(), "application/json"),
            ("/v1/messages", True): (payloads.anthropic_stream(), "text/event-stream"),
        }

        def clients_for(sdk: Any) -> tuple[Any, Any]:
            http = _http_module(sdk)

            def handle(request: Any) -> Any:
                stream = b'"stream":true' in request.content or b'"stream": true' in request.content
                body, ctype = bodies[(request.url.path, stream)]
                return http.Response(200, content=body, headers={"content-type": ctype})

            transport = http.MockTransport(handle)
            return (http.Client(transport=transport),
                    http.AsyncClient(transport=transport))

        sync_http, async_http = clients_for(openai)
        self.openai = openai.OpenAI(api_key="bench", base_url="http://bench.local/v1",
                                    http_client=sync_http, max_retries=0)
        self.aopenai = openai.AsyncOpenAI(api_key="bench", base_url="http://bench.local/v1",
                                          http_client=async_http, max_retries=0)
        sync_http, _ = clients_for(anthropic)
        self.anthropic = anthropic.Anthropic(api_key="bench", base_url="http://bench.local",
                                             http_client=sync_http, max_retries=0)
        self.loop = asyncio.new_event_loop()

    def call(self, case: str) -> Callable[[], Any]:
        messages = [{"role": "user", "content": "Say hello"}]
        if case == "openai-sync":
            return lambda: self.openai.chat.completions.create(
                model="gpt-4o-mini", messages=messages, temperature=0.2)
        if case == "openai-stream":
            def stream_openai() -> None:
                for _ in self.openai.chat.completions.create(
                        model="gpt-4o-mini", messages=messages, stream=True,
                        stream_options={"include_usage": True}):
                    pass
            return stream_openai
        if case == "anthropic-sync":
            return lambda: self.anthropic.messages.create(
                model="claude-sonnet-4-5", max_tokens=256, messages=messages)
        if case == "anthropic-stream":
            def stream_anthropic() -> None:
                for _ in self.anthropic.messages.create(
                        model="claude-sonnet-4-5", max_tokens=256, messages=messages,
                        stream=True):
                    pass
            return stream_anthropic
        raise ValueError(case)

    def run_block(self, case: str, k: int, warm: int) -> float:
        """CPU µs per call over k calls (after a few warm-up calls)."""
        if case == "openai-async":
            async def one() -> None:
                await self.aopenai.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}],
                    temperature=0.2)

            async def block(n: int) -> None:
                for _ in range(n):
                    await one()

            self.loop.run_until_complete(block(warm))
            gc.collect()
            t0 = time.process_time()
            self.loop.run_until_complete(block(k))
            return (time.process_time() - t0) / k * 1e6
        fn = self.call(case)
        for _ in range(warm):
            fn()
        gc.collect()
        t0 = time.process_time()
        for _ in range(k):
            fn()
        return (time.process_time() - t0) / k * 1e6

    def growth(self, calls: int, streams: int) -> dict[str, Any]:
        """RSS after warm-up vs after many calls and abandoned streams."""
        fn = self.call("openai-sync")
        for _ in range(2000):
            fn()
        gc.collect()
        rss0 = _rss_mb()
        spans0 = self.exporter.count
        for _ in range(calls):
            fn()
        gc.collect()
        rss_calls = _rss_mb()
        for _ in range(streams):
            stream = self.openai.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}], stream=True)
            next(iter(stream))
            del stream
        gc.collect()
        rss_streams = _rss_mb()
        return {"calls": calls, "streams": streams, "rss_after_warmup_mb": rss0,
                "rss_after_calls_mb": rss_calls, "rss_after_streams_mb": rss_streams,
                "spans_ended": self.exporter.count - spans0,
                "spans_expected": calls + streams}


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def install_floor(tracer_provider: Any, meter_provider: Any) -> None:
    """The same span and metric points as llmlens, precomputed, no extraction."""
    import anthropic.resources.messages as am
    import openai.resources.chat.completions as oc
    from opentelemetry import context, trace
    from opentelemetry.trace import SpanKind

    from llmlens_semconv import names as n

    no_span = trace.set_span_in_context(trace.INVALID_SPAN, context.Context())
    tracer = tracer_provider.get_tracer("floor")
    meter = meter_provider.get_meter("floor")
    duration = meter.create_histogram(
        n.METRIC_OPERATION_DURATION, unit="s",
        explicit_bucket_boundaries_advisory=list(n.DURATION_BUCKETS))
    tokens = meter.create_histogram(
        n.METRIC_TOKEN_USAGE, unit="{token}",
        explicit_bucket_boundaries_advisory=list(n.TOKEN_BUCKETS))

    def wrap(cls: Any, provider: str, model: str, response_model: str) -> None:
        original = cls.create
        start_attrs = {n.GEN_AI_OPERATION_NAME: "chat", n.GEN_AI_PROVIDER_NAME: provider,
                       n.GEN_AI_REQUEST_MODEL: model, n.SERVER_ADDRESS: "bench.local"}
        end_attrs = {n.GEN_AI_RESPONSE_ID: "id", n.GEN_AI_RESPONSE_MODEL: response_model,
                     n.GEN_AI_RESPONSE_FINISH_REASONS: ("stop",),
                     n.GEN_AI_USAGE_INPUT_TOKENS: 25, n.GEN_AI_USAGE_OUTPUT_TOKENS: 8}
        metric_attrs = {**start_attrs, n.GEN_AI_RESPONSE_MODEL: response_model}
        input_attrs = {**metric_attrs, n.GEN_AI_TOKEN_TYPE: "input"}
        output_attrs = {**metric_attrs, n.GEN_AI_TOKEN_TYPE: "output"}
        name = f"chat {model}"

        def finish(span: Any, t0: float) -> None:
            span.set_attributes(end_attrs)
            span.end()
            # the duration point's exemplar links the span, as llmlens' does;
            # the token points offer none
            duration.record(time.perf_counter() - t0, metric_attrs,
                            context=trace.set_span_in_context(span))
            tokens.record(25, input_attrs, context=no_span)
            tokens.record(8, output_attrs, context=no_span)

        def create(self: Any, *args: Any, **kwargs: Any) -> Any:
            span = tracer.start_span(name, kind=SpanKind.CLIENT, attributes=start_attrs)
            t0 = time.perf_counter()
            result = original(self, *args, **kwargs)
            finish(span, t0)
            return result

        async def acreate(self: Any, *args: Any, **kwargs: Any) -> Any:
            span = tracer.start_span(name, kind=SpanKind.CLIENT, attributes=start_attrs)
            t0 = time.perf_counter()
            result = await original(self, *args, **kwargs)
            finish(span, t0)
            return result

        cls.create = acreate if asyncio.iscoroutinefunction(original) else create

    wrap(oc.Completions, "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18")
    wrap(oc.AsyncCompletions, "openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18")
    wrap(am.Messages, "anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929")


def worker_main(config: str) -> None:
    warnings.simplefilter("ignore")  # SDK deprecation notices for the canned model names
    worker = Worker(config)
    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["op"] == "block":
            reply: Any = {"us": worker.run_block(cmd["case"], cmd["k"], cmd["warm"])}
        elif cmd["op"] == "growth":
            reply = worker.growth(cmd["calls"], cmd["streams"])
        else:
            break
        out.write(json.dumps(reply) + "\n")
        out.flush()


# ---------------------------------------------------------------------------
# parent side
# ---------------------------------------------------------------------------

class WorkerProcess:
    def __init__(self, config: str) -> None:
        self.config = config
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", config],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_clean_env())
        ready = self._read()
        if not ready.get("ready"):
            raise RuntimeError(f"worker {config} failed to start")

    def _read(self) -> dict[str, Any]:
        line = self.proc.stdout.readline() if self.proc.stdout else ""
        if not line:
            raise RuntimeError(f"worker {self.config} died")
        return json.loads(line)

    def ask(self, **cmd: Any) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        try:
            self.ask(op="quit")
        except (RuntimeError, BrokenPipeError, ValueError):
            pass
        self.proc.wait(timeout=30)


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "LLMLENS_"))}
    env["OTEL_SDK_DISABLED"] = "false"
    return env


def measure_overhead(args: argparse.Namespace) -> dict[str, dict[str, list[float]]]:
    workers = [WorkerProcess(c) for c in args.configs]
    samples: dict[str, dict[str, list[float]]] = {c: {case: [] for case in args.cases}
                                                  for c in args.configs}
    try:
        for rnd in range(args.rounds):
            order = workers[rnd % len(workers):] + workers[:rnd % len(workers)]
            for case in args.cases:
                k = args.k_stream if case in STREAM_CASES else args.k
                warm = max(5, k // 10)
                for w in order:
                    samples[w.config][case].append(w.ask(op="block", case=case, k=k,
                                                         warm=warm)["us"])
            print(f"  round {rnd + 1}/{args.rounds} done", file=sys.stderr)
    finally:
        for w in workers:
            w.close()
    return samples


def summarize(samples: dict[str, dict[str, list[float]]], cases: list[str]) -> list[dict[str, Any]]:
    rows = []
    for case in cases:
        base = samples["baseline"][case]
        row: dict[str, Any] = {"case": case, "baseline_us": statistics.median(base)}
        for config in samples:
            if config == "baseline":
                continue
            over = [c - b for c, b in zip(samples[config][case], base, strict=True)]
            ratio = [c / b for c, b in zip(samples[config][case], base, strict=True)]
            row[f"{config}_over_us"] = statistics.median(over)
            row[f"{config}_ratio"] = statistics.median(ratio)
        rows.append(row)
    return rows


def measure_startup(reps: int) -> dict[str, Any]:
    """`opentelemetry-instrument python -c pass`: llmlens distro with every
    instrumentor vs the plain opentelemetry-distro with ours disabled."""
    ours = "llmlens_openai,llmlens_anthropic,llmlens_langchain,llmlens_llama_index"
    # other instrumentors installed beside ours (the peers, in the bench env)
    # are off in both variants: the difference is llmlens alone
    others = ",".join(sorted({ep.name for ep in md.entry_points(
        group="opentelemetry_instrumentor") if not ep.name.startswith("llmlens_")}))
    common = {"OTEL_TRACES_EXPORTER": "none", "OTEL_METRICS_EXPORTER": "none",
              "OTEL_LOGS_EXPORTER": "none"}
    variants = {
        "opentelemetry-distro": {**common, "OTEL_PYTHON_DISTRO": "distro",
                                 "OTEL_PYTHON_CONFIGURATOR": "configurator",
                                 "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": ",".join(
                                     x for x in (ours, others) if x)},
        "llmlens": {**common, "OTEL_PYTHON_DISTRO": "llmlens",
                    "OTEL_PYTHON_CONFIGURATOR": "llmlens",
                    "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS": others},
    }
    exe = Path(sys.executable).with_name("opentelemetry-instrument")
    # compiled bytecode, as an installed wheel has it: a test runner's
    # PYTHONDONTWRITEBYTECODE would make every start compile every module
    # from source (ours and the SDK's alike); the cache goes to a temporary
    # prefix, filled by one unmeasured start of each variant
    cache = tempfile.mkdtemp(prefix="llmlens-bench-pyc-")
    base_env = {k: v for k, v in _clean_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    base_env["PYTHONPYCACHEPREFIX"] = cache
    for extra in variants.values():
        subprocess.run([str(exe), sys.executable, "-c", "pass"], env={**base_env, **extra},
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    results: dict[str, dict[str, list[float]]] = {
        v: {"ms": [], "cpu_ms": [], "rss_mb": []} for v in variants}
    for _ in range(reps):
        for name, extra in variants.items():
            env = {**base_env, **extra}
            t0 = time.perf_counter()
            proc = subprocess.Popen([str(exe), sys.executable, "-c", "pass"], env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            elapsed = (time.perf_counter() - t0) * 1000
            if status != 0:
                raise RuntimeError(f"start-up variant {name} exited with {status}")
            results[name]["ms"].append(elapsed)
            # CPU time of the child: less sensitive than wall time to a loaded machine
            results[name]["cpu_ms"].append((usage.ru_utime + usage.ru_stime) * 1000)
            results[name]["rss_mb"].append(usage.ru_maxrss / 1024)
    shutil.rmtree(cache, ignore_errors=True)
    return {name: {k: statistics.median(v) for k, v in r.items()} for name, r in results.items()}


def fmt_table(rows: list[dict[str, Any]], configs: list[str]) -> str:
    others = [c for c in configs if c != "baseline"]
    head = "| case | baseline µs/call | " + " | ".join(
        f"{c} overhead µs (ratio)" for c in others) + " | llmlens / floor overhead |"
    lines = [head, "|" + "---|" * (len(others) + 3)]
    for r in rows:
        cells = [f"+{r[f'{c}_over_us']:,.0f} ({r[f'{c}_ratio']:.3f}x)" for c in others]
        floor = r.get("floor_over_us")
        ours = r.get("llmlens_over_us")
        rel = f"{ours / floor:.2f}x" if floor and ours is not None and floor > 0 else "n/a"
        lines.append(f"| {r['case']} | {r['baseline_us']:,.0f} | " + " | ".join(cells)
                     + f" | {rel} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--worker")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--k", type=int, default=300)
    ap.add_argument("--k-stream", type=int, default=100)
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--start-reps", type=int, default=10)
    ap.add_argument("--growth", action="store_true", help="also run the no-growth check")
    ap.add_argument("--growth-calls", type=int, default=100_000)
    ap.add_argument("--growth-streams", type=int, default=10_000)
    ap.add_argument("--no-extras", action="store_true",
                    help="skip the processors (µs/span) and redaction (µs/KB) figures")
    ap.add_argument("--json-out", default="")
    args = ap.parse_args()
    if args.worker:
        worker_main(args.worker)
        return
    args.configs = args.configs.split(",")
    args.cases = args.cases.split(",")
    versions = {d: _version(d) for d in ("openai", "anthropic", "opentelemetry-sdk",
                                         "llmlens-semconv", "llmlens-openai",
                                         "llmlens-anthropic")}
    print("llmlens overhead benchmark —", time.strftime("%Y-%m-%d"),
          "— python", sys.version.split()[0])
    print("versions:", ", ".join(f"{k} {v}" for k, v in versions.items()))
    print(f"method: CPU time per call, worker per configuration, {args.rounds} rounds, "
          f"k={args.k} (streams k={args.k_stream}, {payloads.STREAM_CHUNKS} chunks), "
          "median of per-round overhead against the same round's baseline\n")
    samples = measure_overhead(args)
    rows = summarize(samples, args.cases)
    print(fmt_table(rows, args.configs))
    report: dict[str, Any] = {"versions": versions, "rows": rows}
    print("\nTargets:")
    for r in rows:
        floor, ours = r.get("floor_over_us"), r.get("llmlens_over_us")
        if floor is None or ours is None:
            continue
        if r["case"] in STREAM_CASES:
            sync_case = r["case"].replace("stream", "sync")
            sync_floor = next((x["floor_over_us"] for x in rows if x["case"] == sync_case), floor)
            limit = sync_floor + 2 * payloads.STREAM_CHUNKS
            per_chunk = (ours - sync_floor) / payloads.STREAM_CHUNKS
            print(f"  {r['case']}: +{ours:,.0f} µs against a target of non-streaming floor "
                  f"+ 2 µs/chunk = {limit:,.0f} µs -> {'met' if ours <= limit else 'MISSED'} "
                  f"({per_chunk:.1f} µs per chunk over the non-streaming floor)")
        else:
            print(f"  {r['case']}: {ours / floor if floor > 0 else float('nan'):.2f}x the floor "
                  f"(target ≤ 1.5x) -> {'met' if ours <= 1.5 * floor else 'MISSED'}")
    try:
        startup = measure_startup(args.start_reps)
        report["startup"] = startup
        base, ours_start = startup["opentelemetry-distro"], startup["llmlens"]
        print(f"\nStart-up (opentelemetry-instrument python -c pass, median of "
              f"{args.start_reps}): opentelemetry-distro {base['ms']:.0f} ms wall, "
              f"{base['cpu_ms']:.0f} ms CPU, {base['rss_mb']:.1f} MB; llmlens "
              f"{ours_start['ms']:.0f} ms wall, {ours_start['cpu_ms']:.0f} ms CPU, "
              f"{ours_start['rss_mb']:.1f} MB -> +{ours_start['ms'] - base['ms']:.0f} ms wall, "
              f"+{ours_start['cpu_ms'] - base['cpu_ms']:.0f} ms CPU, "
              f"+{ours_start['rss_mb'] - base['rss_mb']:.1f} MB (targets +50 ms, +5 MB)")
    except (RuntimeError, FileNotFoundError) as exc:
        print(f"\nStart-up not measured: {exc}")
    if args.growth:
        w = WorkerProcess("llmlens")
        try:
            g = w.ask(op="growth", calls=args.growth_calls, streams=args.growth_streams)
        finally:
            w.close()
        report["growth"] = g
        print(f"\nNo growth: RSS {g['rss_after_warmup_mb']:.1f} MB after warm-up, "
              f"{g['rss_after_calls_mb']:.1f} MB after {g['calls']:,} calls, "
              f"{g['rss_after_streams_mb']:.1f} MB after {g['streams']:,} abandoned streams; "
              f"spans ended {g['spans_ended']:,} of {g['spans_expected']:,}")
    if not args.no_extras:
        for script, title in (
            (["inprocess.py", "--k", "1000", "--reps", "5"],
             "In-process overhead around the SDK method (no HTTP: the precise figure), "
             "CPU µs per call"),
            (["processors.py"], "Distro processors (cost, attribution, budgets), CPU µs per span"),
            (["redaction.py"], "Redaction, µs per KB of content"),
        ):
            print(f"\n{title}:", flush=True)
            done = subprocess.run([sys.executable, str(HERE / script[0]), *script[1:]],
                                  check=False)
            if done.returncode != 0:
                print(f"  {script[0]} failed (exit {done.returncode})")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2))


def _version(dist: str) -> str:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return "-"


if __name__ == "__main__":
    main()

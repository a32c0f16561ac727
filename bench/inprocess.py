#!/usr/bin/env python3
"""What llmlens adds around one SDK call, without the SDK's HTTP work.

The HTTP path of the SDKs costs 0.5-5 ms per call and jitters by more than
the whole instrumentation on a shared machine, so ``run.py``'s overheads
carry ±50 µs of noise. Here the SDK method under the instrumentation is
replaced by one that returns a canned, already parsed response (a
``ChatCompletion`` / ``Message``, or an SDK ``Stream`` over parsed chunks),
and three callers of it are timed in one process, interleaved, best of
several blocks: the method alone, the floor wrapper around it (the same
precomputed span and metric points as run.py's floor), and llmlens' own
installed wrapper around it. For streams the floor is the non-streaming one,
as the target states (non-streaming floor + 2 µs per chunk), and the per-chunk
share is reported with and without the SDK's histogram point per chunk.

    python bench/inprocess.py [--k 2000] [--reps 9] [--distro]
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import payloads  # noqa: E402
import run  # noqa: E402

MESSAGES = [{"role": "user", "content": "Say hello"}]
OPENAI_CALL = {"model": "gpt-4o-mini", "messages": MESSAGES, "temperature": 0.2}
OPENAI_STREAM = {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True,
                 "stream_options": {"include_usage": True}}
ANTHROPIC_CALL = {"model": "claude-sonnet-4-5", "max_tokens": 256, "messages": MESSAGES}
ANTHROPIC_STREAM = {**ANTHROPIC_CALL, "stream": True}


def _sse_data(body: bytes) -> list[dict[str, Any]]:
    out = []
    for line in body.decode().splitlines():
        if line.startswith("data: {"):
            out.append(json.loads(line[len("data: "):]))
    return out


class Canned:
    """Parsed responses and SDK streams over parsed chunks."""

    def __init__(self) -> None:
        import anthropic
        import openai
        from anthropic.types import Message, RawMessageStreamEvent
        from openai.types.chat import ChatCompletion, ChatCompletionChunk
        from pydantic import TypeAdapter

        self.openai, self.anthropic = openai, anthropic
        self.completion = ChatCompletion.model_validate_json(payloads.openai_chat())
        self.chunks = [ChatCompletionChunk.model_validate(d)
                       for d in _sse_data(payloads.openai_chat_stream())]
        self.message = Message.model_validate_json(payloads.anthropic_message())
        events = TypeAdapter(RawMessageStreamEvent)
        self.events = [events.validate_python(d) for d in _sse_data(payloads.anthropic_stream())]

    def _stream(self, cls: type, items: list[Any]) -> Any:
        # an SDK stream object iterating parsed items (no response to decode)
        stream = object.__new__(cls)
        stream._iterator = iter(items)
        stream.response = None
        return stream

    def openai_create(self, **kwargs: Any) -> Any:
        if kwargs.get("stream"):
            return self._stream(self.openai.Stream, self.chunks)
        return self.completion

    def anthropic_create(self, **kwargs: Any) -> Any:
        if kwargs.get("stream"):
            return self._stream(self.anthropic.Stream, self.events)
        return self.message


def build(distro: bool) -> tuple[dict[str, dict[str, Callable[[], None]]], Any]:
    import anthropic.resources.messages as am
    import openai.resources.chat.completions as oc
    import wrapt

    worker = run.Worker("llmlens+distro" if distro else "llmlens")
    canned = Canned()

    # plain functions, bound like the SDK's methods (the resource is `self`)
    def openai_create(self: Any, **kwargs: Any) -> Any:
        return canned.openai_create(**kwargs)

    def anthropic_create(self: Any, **kwargs: Any) -> Any:
        return canned.anthropic_create(**kwargs)

    class FloorOpenAI:
        create = openai_create

    class FloorAsyncOpenAI:
        async def create(self, **kwargs: Any) -> Any:
            return canned.completion

    class FloorAnthropic:
        create = anthropic_create

    # the floor wraps stand-in classes, so llmlens' patches stay in place
    real = (oc.Completions, oc.AsyncCompletions, am.Messages)
    oc.Completions, oc.AsyncCompletions, am.Messages = FloorOpenAI, FloorAsyncOpenAI, FloorAnthropic
    try:
        run.install_floor(worker.tracer_provider, worker.meter_provider)
    finally:
        oc.Completions, oc.AsyncCompletions, am.Messages = real

    def ours(cls: type, fake: Callable[..., Any], instance: Any) -> Callable[..., Any]:
        installed = cls.__dict__["create"]
        wrapper = getattr(installed, "_self_wrapper", None)
        if wrapper is None:
            raise RuntimeError(f"{cls.__name__}.create is not instrumented")
        return wrapt.FunctionWrapper(fake, wrapper).__get__(instance, cls)

    ours_openai = ours(real[0], openai_create, worker.openai.chat.completions)
    ours_anthropic = ours(real[2], anthropic_create, worker.anthropic.messages)
    resource_openai, resource_anthropic = worker.openai.chat.completions, worker.anthropic.messages

    def call(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Callable[[], None]:
        return lambda: fn(**kwargs)

    def consume(fn: Callable[..., Any], kwargs: dict[str, Any]) -> Callable[[], None]:
        def go() -> None:
            for _ in fn(**kwargs):
                pass
        return go

    cases = {
        "openai-sync": {
            "alone": call(lambda **kw: openai_create(resource_openai, **kw), OPENAI_CALL),
            "floor": call(lambda **kw: FloorOpenAI.create(None, **kw), OPENAI_CALL),
            "llmlens": call(ours_openai, OPENAI_CALL)},
        "anthropic-sync": {
            "alone": call(lambda **kw: anthropic_create(resource_anthropic, **kw),
                          ANTHROPIC_CALL),
            "floor": call(lambda **kw: FloorAnthropic.create(None, **kw), ANTHROPIC_CALL),
            "llmlens": call(ours_anthropic, ANTHROPIC_CALL)},
        "openai-stream": {
            "alone": consume(lambda **kw: openai_create(resource_openai, **kw), OPENAI_STREAM),
            "llmlens": consume(ours_openai, OPENAI_STREAM)},
        "anthropic-stream": {
            "alone": consume(lambda **kw: anthropic_create(resource_anthropic, **kw),
                             ANTHROPIC_STREAM),
            "llmlens": consume(ours_anthropic, ANTHROPIC_STREAM)},
    }
    for provider in ("openai", "anthropic"):
        case = cases[f"{provider}-sync"]
        case["floor-same"] = same_attributes_floor(worker, canned, provider)
        case["floor-same-current"] = same_attributes_floor(worker, canned, provider,
                                                           current=True)
    return cases, worker


def best_us(fns: dict[str, Callable[[], None]], k: int, reps: int) -> dict[str, float]:
    for fn in fns.values():
        for _ in range(max(10, k // 20)):
            fn()
    best = {name: float("inf") for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            gc.collect()
            start = time.process_time()
            for _ in range(k):
                fn()
            best[name] = min(best[name], (time.process_time() - start) / k * 1e6)
    return best


def _records(worker: Any, canned: Any, provider: str) -> tuple[Any, Any, Callable[..., Any],
                                                               dict[str, Any]]:
    """llmlens' request and response records of one sync call, the canned SDK
    method and its arguments."""
    if provider == "openai":
        from llmlens_openai import requests, results

        return (requests.chat_request(worker.openai.chat.completions, OPENAI_CALL, False),
                results.chat_response(canned.completion, False),
                canned.openai_create, OPENAI_CALL)
    from llmlens_anthropic import mapping

    return (mapping.chat_request(worker.anthropic, ANTHROPIC_CALL, stream=False, capture=False),
            mapping.message_response(canned.message, capture=False),
            canned.anthropic_create, ANTHROPIC_CALL)


def same_attributes_floor(worker: Any, canned: Any, provider: str, current: bool = False,
                          ) -> Callable[[], None]:
    """The floor again, with exactly the span and metric attributes llmlens
    emits for the provider's sync call (read from one call on a side provider):
    what the same telemetry costs through the SDK with no extraction. With
    ``current`` the span is also made current around the call, as it must be
    for the HTTP client's spans and the propagated trace context to hang
    under it."""
    from opentelemetry import context as otel_context
    from opentelemetry import trace
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from opentelemetry.trace import SpanKind

    from llmlens_semconv import Emitter
    from llmlens_semconv import names as n
    from llmlens_semconv.content import ContentPolicy

    spans = InMemorySpanExporter()
    side_tracer = TracerProvider()
    side_tracer.add_span_processor(SimpleSpanProcessor(spans))
    reader = InMemoryMetricReader()
    side = Emitter("side", tracer_provider=side_tracer,
                   meter_provider=MeterProvider(metric_readers=[reader]), content=ContentPolicy())
    request, response, create, kwargs = _records(worker, canned, provider)
    call = side.start(request)
    start_attrs = dict(call.span.attributes)
    call.finish(response)
    [span] = spans.get_finished_spans()
    end_attrs = {k: v for k, v in span.attributes.items() if k not in start_attrs}
    points: dict[str, list[dict[str, Any]]] = {}
    for rm in reader.get_metrics_data().resource_metrics:
        for sm in rm.scope_metrics:
            for metric in sm.metrics:
                points[metric.name] = [dict(p.attributes) for p in metric.data.data_points]
    [duration_attrs] = points[n.METRIC_OPERATION_DURATION]
    token_attrs = points[n.METRIC_TOKEN_USAGE]

    no_span = trace.set_span_in_context(trace.INVALID_SPAN, otel_context.Context())
    tracer = worker.tracer_provider.get_tracer("floor-same")
    meter = worker.meter_provider.get_meter("floor-same")
    duration = meter.create_histogram(n.METRIC_OPERATION_DURATION, unit="s")
    tokens = meter.create_histogram(n.METRIC_TOKEN_USAGE, unit="{token}")
    name = span.name

    def go() -> None:
        live = tracer.start_span(name, kind=SpanKind.CLIENT, attributes=start_attrs)
        t0 = time.perf_counter()
        if current:
            token = otel_context.attach(trace.set_span_in_context(live))
            try:
                create(**kwargs)
            finally:
                otel_context.detach(token)
        else:
            create(**kwargs)
        live.set_attributes(end_attrs)
        live.end()
        duration.record(time.perf_counter() - t0, duration_attrs,
                        context=trace.set_span_in_context(live))
        for attrs in token_attrs:
            tokens.record(25, attrs, context=no_span)

    return go


class _NoPoints:
    def record(self, *args: Any, **kwargs: Any) -> None:
        pass


def _emitters() -> list[Any]:
    """The emitters of the installed provider instrumentors."""
    import anthropic.resources.messages as am

    from llmlens_openai import OpenAIInstrumentor

    emitters = []
    state = getattr(OpenAIInstrumentor(), "_state", None)
    if state is not None:
        emitters.append(state.emitter)
    # the Anthropic wrapper is a bound method of the adapter holding its emitter
    wrapper = getattr(am.Messages.__dict__.get("create"), "_self_wrapper", None)
    adapter = getattr(wrapper, "__self__", None)
    if getattr(adapter, "emitter", None) is not None:
        emitters.append(adapter.emitter)
    return emitters


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--k", type=int, default=2000, help="calls per block (streams: k/5)")
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--distro", action="store_true", help="with the distro's processors")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    cases, _worker = build(args.distro)
    chunks = payloads.STREAM_CHUNKS
    print("| case | SDK method alone µs | floor over µs | llmlens over µs | llmlens / floor |")
    print("|---|---:|---:|---:|---:|")
    floors: dict[str, float] = {}
    results: dict[str, dict[str, float]] = {}
    for case, fns in cases.items():
        k = args.k if case.endswith("sync") else max(20, args.k // 5)
        best = best_us(fns, k, args.reps)
        results[case] = best
        alone = best["alone"]
        ours = best["llmlens"] - alone
        if "floor" in best:
            floor = best["floor"] - alone
            floors[case.split("-")[0]] = floor
            print(f"| {case} | {alone:.1f} | +{floor:.1f} | +{ours:.1f} | {ours / floor:.2f}x |")
            if "floor-same" in best:
                same = best["floor-same"] - alone
                print(f"| {case}, floor with llmlens' exact attributes | {alone:.1f} | "
                      f"+{same:.1f} | +{ours:.1f} | {ours / same:.2f}x |")
            if "floor-same-current" in best:
                same = best["floor-same-current"] - alone
                print(f"| {case}, same, span made current around the call | {alone:.1f} | "
                      f"+{same:.1f} | +{ours:.1f} | {ours / same:.2f}x |")
        else:
            floor = floors.get(case.split("-")[0], float("nan"))
            print(f"| {case} ({chunks} chunks) | {alone:.1f} | +{floor:.1f} (non-streaming) "
                  f"| +{ours:.1f} | {(ours - floor) / chunks:.1f} µs/chunk over the floor |")
    # the per-chunk share without the SDK's histogram point per chunk
    emitters = [e for e in _emitters() if hasattr(e, "time_per_output_chunk")]
    saved = [(e, e.time_per_output_chunk) for e in emitters]
    for emitter, _ in saved:
        emitter.time_per_output_chunk = _NoPoints()
    try:
        for case in ("openai-stream", "anthropic-stream"):
            fns = cases[case]
            k = max(20, args.k // 5)
            best = best_us({"llmlens": fns["llmlens"], "alone": fns["alone"]}, k, args.reps)
            floor = floors.get(case.split("-")[0], float("nan"))
            ours = best["llmlens"] - best["alone"]
            with_points = results[case]["llmlens"] - results[case]["alone"]
            print(f"  {case}: {(ours - floor) / chunks:.1f} µs/chunk of llmlens' own work; "
                  f"the SDK's time_per_output_chunk point adds "
                  f"{(with_points - ours) / (chunks + 1):.1f} µs/chunk")
    finally:
        for emitter, histogram in saved:
            emitter.time_per_output_chunk = histogram


if __name__ == "__main__":
    main()

"""Per-span cost of llmlens economics: attribution + cost + budgets.

Prints CPU microseconds (process time, so other load on the machine counts
less) per GenAI span: the whole emitter call with and without
economics (the difference is what economics adds), how much of that the
attribution keys on the call's metric points take (economics on with and
without them), and the attribution span processor and the cost hook measured
alone. Run: ``python bench/processors.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from llmlens import economics
from llmlens.economics.attribution import metric_attributes_hook, parse_metric_keys
from llmlens.economics.wiring import Economics
from llmlens_semconv import Emitter, Request, Response, Usage, hooks
from llmlens_semconv import names as n
from llmlens_semconv.content import ContentPolicy

ROUNDS = 15
SPANS = 1000
BUDGETS = "team:search=500usd/month; model:gpt-4o=10M tokens/day; all=1000usd/month"
USAGE = Usage(input_tokens=1200, output_tokens=300, cache_read_input_tokens=400,
              reasoning_output_tokens=100)


def us_per_span(run: Callable[[], None]) -> float:
    start = time.process_time()
    run()
    return (time.process_time() - start) / SPANS * 1e6


def make_emitter() -> tuple[Emitter, TracerProvider, MeterProvider]:
    tracer_provider = TracerProvider()
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    emitter = Emitter("bench", tracer_provider=tracer_provider, meter_provider=meter_provider,
                      content=ContentPolicy())
    return emitter, tracer_provider, meter_provider


def calls(emitter: Emitter) -> Callable[[], None]:
    request = Request(operation="chat", provider="openai", model="gpt-4o")
    response = Response(model="gpt-4o-2024-08-06", usage=USAGE)

    def run() -> None:
        for _ in range(SPANS):
            emitter.start(request).finish(response)

    return run


def attributed(run: Callable[[], None]) -> Callable[[], None]:
    """Run inside an incoming request's baggage plus the attribute() API."""

    def wrapped() -> None:
        ctx = baggage.set_baggage("user.id", "u-42")
        ctx = baggage.set_baggage("llmlens.tenant", "acme", ctx)
        token = otel_context.attach(ctx)
        try:
            with economics.attribute(team="search", feature="answer"):
                run()
        finally:
            otel_context.detach(token)

    return wrapped


TARGET_US = 10.0
# LLMLENS_METRIC_ATTRIBUTES settings measured besides the default
METRIC_KEY_SETTINGS = ("team", "none")


def switch(installed: Economics, on: bool, *, metric_hook: Callable[[], Any] | None = None,
           ) -> None:
    """Economics on or off on the same providers (baseline without re-creating
    them), with ``metric_hook`` putting attribution on the metric points (None:
    none, as install() does for ``LLMLENS_METRIC_ATTRIBUTES=none``)."""
    installed.cost.enabled = on
    installed.attribution.enabled = on
    for hook in list(hooks.metric_attribute_hooks):
        hooks.remove_hook(hook)
    if on and metric_hook is not None:
        hooks.add_metric_attributes_hook(metric_hook)


def verdict(us: float) -> str:
    return "met" if us <= TARGET_US else "MISSED"


def main() -> None:
    emitter, tracer_provider, meter_provider = make_emitter()
    installed = economics.install(tracer_provider, meter_provider, budgets=BUDGETS)
    assert installed is not None
    run = attributed(calls(emitter))
    run()  # the first priced call loads the prices

    # every setting's hook, as install() would build it ("none": no hook)
    settings: dict[str, Callable[[], Any] | None] = {"default": installed.metric_hook}
    for spec in METRIC_KEY_SETTINGS:
        keys = parse_metric_keys(spec)
        settings[spec] = metric_attributes_hook(keys) if keys else None
    # interleaved, best of each: the machine's load shifts all alike
    baseline = float("inf")
    with_economics = dict.fromkeys(settings, float("inf"))
    for _ in range(ROUNDS):
        switch(installed, False)
        baseline = min(baseline, us_per_span(run))
        for name, hook in settings.items():
            switch(installed, True, metric_hook=hook)
            with_economics[name] = min(with_economics[name], us_per_span(run))
    switch(installed, True, metric_hook=installed.metric_hook)
    metric_keys: list[str] = []
    attributed(lambda: metric_keys.extend(installed.metric_hook() or ()))()

    span = tracer_provider.get_tracer("bench").start_span("chat gpt-4o")
    span.set_attributes({
        n.GEN_AI_OPERATION_NAME: "chat", n.GEN_AI_PROVIDER_NAME: "openai",
        n.GEN_AI_REQUEST_MODEL: "gpt-4o", n.GEN_AI_RESPONSE_MODEL: "gpt-4o-2024-08-06",
        n.GEN_AI_USAGE_INPUT_TOKENS: 1200, n.GEN_AI_USAGE_OUTPUT_TOKENS: 300,
        n.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS: 400, n.LLMLENS_TEAM: "search",
    })

    def cost_only() -> None:
        hook = installed.cost.on_span_ending
        for _ in range(SPANS):
            hook(span)

    def attribution_only() -> None:
        on_start = installed.attribution.on_start
        for _ in range(SPANS):
            on_start(span, None)

    histogram = meter_provider.get_meter("bench").create_histogram("bench.reference")
    reference_attributes = {n.GEN_AI_OPERATION_NAME: "chat", n.GEN_AI_REQUEST_MODEL: "gpt-4o"}

    def reference() -> None:
        record = histogram.record
        for _ in range(SPANS):
            record(1.0, reference_attributes)

    cost = min(us_per_span(attributed(cost_only)) for _ in range(ROUNDS))
    one_record = min(us_per_span(reference) for _ in range(ROUNDS))
    attribution = min(us_per_span(attributed(attribution_only)) for _ in range(ROUNDS))
    span.end()
    economics.uninstall()

    added = {name: us - baseline for name, us in with_economics.items()}
    print(f"emitter call without economics  {baseline:7.2f} us/span")
    print(f"emitter call with economics     {with_economics['default']:7.2f} us/span")
    print(f"added by economics              {added['default']:7.2f} us/span"
          f" (target {TARGET_US:.0f} us: {verdict(added['default'])})")
    print(f"  attribution on metric points  {added['default'] - added['none']:7.2f}"
          f" us/span ({len(metric_keys)} keys on each point: {', '.join(metric_keys)})")
    for spec in METRIC_KEY_SETTINGS:
        print(f"  added with LLMLENS_METRIC_ATTRIBUTES={spec:5s} {added[spec]:7.2f} us/span"
              f" ({verdict(added[spec])})")
    print(f"  cost hook (cost+budgets)      {cost:7.2f} us/span")
    print(f"  attribution on_start          {attribution:7.2f} us/span")
    print(f"(machine speed: one SDK histogram record takes {one_record:.2f} us here)")


if __name__ == "__main__":
    main()

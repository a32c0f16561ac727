"""Per-span cost of llmlens economics: attribution + cost + budgets.

Prints microseconds per GenAI span: the whole emitter call with and without
economics (the difference is what economics adds), and the attribution span
processor and the cost hook measured alone. Run: ``python bench/processors.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv.content import ContentPolicy
from opentelemetry import baggage
from opentelemetry import context as otel_context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider

from llmlens import economics

ROUNDS = 5
SPANS = 4000
BUDGETS = "team:search=500usd/month; model:gpt-4o=10M tokens/day; all=1000usd/month"
USAGE = Usage(input_tokens=1200, output_tokens=300, cache_read_input_tokens=400,
              reasoning_output_tokens=100)


def best_us_per_span(run: Callable[[], None], spans: int = SPANS) -> float:
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best / spans * 1e6


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


def main() -> None:
    emitter, _, _ = make_emitter()
    baseline = best_us_per_span(attributed(calls(emitter)))

    emitter, tracer_provider, meter_provider = make_emitter()
    installed = economics.install(tracer_provider, meter_provider, budgets=BUDGETS)
    assert installed is not None
    run = attributed(calls(emitter))
    run()  # first call loads the prices
    with_economics = best_us_per_span(run)

    span = tracer_provider.get_tracer("bench").start_span("chat gpt-4o")
    span.set_attributes({
        "gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
        "gen_ai.request.model": "gpt-4o", "gen_ai.response.model": "gpt-4o-2024-08-06",
        "gen_ai.usage.input_tokens": 1200, "gen_ai.usage.output_tokens": 300,
        "gen_ai.usage.cache_read.input_tokens": 400, "llmlens.team": "search",
    })

    def cost_only() -> None:
        hook = installed.cost.on_span_ending
        for _ in range(SPANS):
            hook(span)

    def attribution_only() -> None:
        on_start = installed.attribution.on_start
        for _ in range(SPANS):
            on_start(span, None)

    cost = best_us_per_span(attributed(cost_only))
    attribution = best_us_per_span(attributed(attribution_only))
    span.end()
    economics.uninstall()

    print(f"emitter call without economics  {baseline:7.2f} us/span")
    print(f"emitter call with economics     {with_economics:7.2f} us/span")
    print(f"added by economics              {with_economics - baseline:7.2f} us/span")
    print(f"  cost hook (cost+budgets)      {cost:7.2f} us/span")
    print(f"  attribution on_start          {attribution:7.2f} us/span")


if __name__ == "__main__":
    main()

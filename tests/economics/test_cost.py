"""Cost on GenAI spans: exact prices, cache/reasoning rates, unpriced models,
exactly one priced span per API call, and the cost counters."""

from __future__ import annotations

import genai_prices
import pytest
from economics_helpers import make_call

from llmlens_semconv import Request, Response, Usage
from llmlens_semconv import names as n


def library_cost(model: str, provider_id: str, **usage: int) -> tuple[float, float, float]:
    result = genai_prices.calc_price(genai_prices.Usage(**usage), model, provider_id=provider_id)
    return float(result.input_price), float(result.output_price), float(result.total_price)


def span_cost(span) -> tuple[float, float, float]:
    a = span.attributes
    return a[n.LLMLENS_COST_INPUT_USD], a[n.LLMLENS_COST_OUTPUT_USD], a[n.LLMLENS_COST_USD]


@pytest.mark.parametrize(
    ("provider", "provider_id", "model"),
    [
        ("openai", "openai", "gpt-4o"),
        ("openai", "openai", "gpt-4o-mini"),
        ("anthropic", "anthropic", "claude-sonnet-4-5"),
        ("anthropic", "anthropic", "claude-3-5-haiku-latest"),
    ],
)
def test_known_model_costs_what_the_price_library_says(
    install, emitter, telemetry, provider, provider_id, model,
):
    install()
    make_call(emitter, model, Usage(input_tokens=12_345, output_tokens=678), provider=provider)

    expected = library_cost(model, provider_id, input_tokens=12_345, output_tokens=678)
    assert expected[2] > 0
    assert span_cost(telemetry.span()) == pytest.approx(expected, rel=1e-12)


def test_cache_reads_and_writes_have_their_own_rates(install, emitter, telemetry):
    install()
    usage = Usage(input_tokens=10_000, cache_read_input_tokens=6_000,
                  cache_write_input_tokens=2_000, output_tokens=500)
    make_call(emitter, "claude-sonnet-4-5", usage, provider="anthropic")

    expected = library_cost("claude-sonnet-4-5", "anthropic", input_tokens=10_000,
                            cache_read_tokens=6_000, cache_write_tokens=2_000, output_tokens=500)
    assert span_cost(telemetry.span()) == pytest.approx(expected, rel=1e-12)
    # by hand: 2k uncached at $3, 6k read at $0.30, 2k written at $3.75, 500 out at $15
    by_hand = (2_000 * 3 + 6_000 * 0.3 + 2_000 * 3.75) / 1e6
    assert telemetry.span().attributes[n.LLMLENS_COST_INPUT_USD] == pytest.approx(by_hand)
    # cached input is cheaper than the same tokens uncached
    assert by_hand < 10_000 * 3 / 1e6


def test_cached_input_tokens_of_openai_are_discounted(install, emitter, telemetry):
    install()
    make_call(emitter, "gpt-4o", Usage(input_tokens=4_000, cache_read_input_tokens=3_000,
                                       output_tokens=100))
    expected = library_cost("gpt-4o", "openai", input_tokens=4_000, cache_read_tokens=3_000,
                            output_tokens=100)
    assert span_cost(telemetry.span()) == pytest.approx(expected, rel=1e-12)
    assert expected[0] == pytest.approx((1_000 * 2.5 + 3_000 * 1.25) / 1e6)


def test_reasoning_tokens_are_part_of_output_cost(install, emitter, telemetry):
    install()
    usage = Usage(input_tokens=1_000, output_tokens=5_000, reasoning_output_tokens=4_000)
    make_call(emitter, "o3-mini", usage)

    expected = library_cost("o3-mini", "openai", input_tokens=1_000, output_tokens=5_000,
                            output_reasoning_tokens=4_000)
    assert span_cost(telemetry.span()) == pytest.approx(expected, rel=1e-12)
    # reasoning is billed (as output), not dropped
    assert telemetry.span().attributes[n.LLMLENS_COST_OUTPUT_USD] == pytest.approx(
        5_000 * 4.4 / 1e6)


def test_reasoning_with_its_own_rate_is_priced_at_that_rate(tmp_path, install, emitter, telemetry):
    prices = tmp_path / "prices.yaml"
    prices.write_text("models:\n  thinker-1: {input: 1, output: 2, reasoning: 10}\n")
    install(prices_file=str(prices))
    make_call(emitter, "thinker-1",
              Usage(input_tokens=1_000_000, output_tokens=300_000, reasoning_output_tokens=100_000))
    assert span_cost(telemetry.span()) == pytest.approx((1.0, 0.4 + 1.0, 2.4))


def test_long_context_tier_applies_above_its_threshold(install, emitter, telemetry):
    install()
    make_call(emitter, "claude-sonnet-4-5", Usage(input_tokens=250_000, output_tokens=1_000),
              provider="anthropic")
    expected = library_cost("claude-sonnet-4-5", "anthropic", input_tokens=250_000,
                            output_tokens=1_000)
    assert span_cost(telemetry.span()) == pytest.approx(expected, rel=1e-12)
    assert expected[0] == pytest.approx(250_000 * 6 / 1e6)


def test_response_model_is_priced_before_request_model(install, emitter, telemetry):
    install()
    make_call(emitter, "gpt-4o", Usage(input_tokens=1_000_000, output_tokens=0),
              response_model="gpt-4o-mini-2024-07-18")
    expected = library_cost("gpt-4o-mini-2024-07-18", "openai", input_tokens=1_000_000)
    assert telemetry.span().attributes[n.LLMLENS_COST_USD] == pytest.approx(expected[2])
    assert expected[2] != pytest.approx(library_cost("gpt-4o", "openai",
                                                     input_tokens=1_000_000)[2])


def test_unknown_response_model_falls_back_to_request_model(install, emitter, telemetry):
    install()
    make_call(emitter, "gpt-4o", Usage(input_tokens=1_000, output_tokens=10),
              response_model="gpt-4o-some-future-snapshot-xyz")
    expected = library_cost("gpt-4o", "openai", input_tokens=1_000, output_tokens=10)
    assert telemetry.span().attributes[n.LLMLENS_COST_USD] == pytest.approx(expected[2])


def test_unknown_model_is_unpriced_never_zero(install, emitter, telemetry):
    install()
    make_call(emitter, "acme-llm-9000", Usage(input_tokens=100, output_tokens=10))

    attributes = telemetry.span().attributes
    assert attributes[n.LLMLENS_COST_UNPRICED] is True
    assert n.LLMLENS_COST_USD not in attributes
    assert n.LLMLENS_COST_INPUT_USD not in attributes
    [point] = telemetry.metric_points(n.METRIC_COST_UNPRICED_CALLS)
    assert point.value == 1
    assert point.attributes[n.GEN_AI_REQUEST_MODEL] == "acme-llm-9000"
    assert telemetry.metric_points(n.METRIC_COST) == []


def test_cost_counter_sums_calls_with_token_metric_attributes(install, emitter, telemetry):
    install()
    for _ in range(3):
        make_call(emitter, "gpt-4o", Usage(input_tokens=1_000, output_tokens=100),
                  response_model="gpt-4o-2024-08-06")
    expected = library_cost("gpt-4o-2024-08-06", "openai", input_tokens=1_000,
                            output_tokens=100)[2]

    [point] = telemetry.metric_points(n.METRIC_COST)
    assert point.value == pytest.approx(3 * expected)
    assert dict(point.attributes) == {
        n.GEN_AI_OPERATION_NAME: "chat",
        n.GEN_AI_PROVIDER_NAME: "openai",
        n.GEN_AI_REQUEST_MODEL: "gpt-4o",
        n.GEN_AI_RESPONSE_MODEL: "gpt-4o-2024-08-06",
    }
    cost_metric = telemetry.metric(n.METRIC_COST)
    assert cost_metric.unit == n.UNIT_USD
    assert cost_metric.data.is_monotonic
    # the same attributes as the token metric's points
    token_point = telemetry.metric_points(n.METRIC_TOKEN_USAGE)[0]
    token_keys = set(token_point.attributes) - {n.GEN_AI_TOKEN_TYPE}
    assert token_keys == set(point.attributes)


def test_only_the_call_with_usage_is_priced_under_a_framework_span(install, emitter, telemetry):
    install()
    outer = emitter.start(Request(operation="chat", provider="openai", model="gpt-4o",
                                  framework=True))
    inner = emitter.start(Request(operation="chat", provider="openai", model="gpt-4o"),
                          parent=outer.context())
    inner.finish(Response(usage=Usage(input_tokens=1_000, output_tokens=100)))
    outer.finish(Response(usage=Usage(input_tokens=1_000, output_tokens=100)))

    priced = [s for s in telemetry.spans() if n.LLMLENS_COST_USD in s.attributes]
    assert len(telemetry.spans()) == 2
    assert len(priced) == 1
    assert n.LLMLENS_USAGE_DELEGATED not in priced[0].attributes
    [point] = telemetry.metric_points(n.METRIC_COST)
    assert point.value == pytest.approx(priced[0].attributes[n.LLMLENS_COST_USD])


def test_spans_without_usage_get_no_cost(install, emitter, telemetry):
    install()
    make_call(emitter, "gpt-4o", None)  # e.g. a stream that ended without usage
    call = emitter.start(Request(operation="execute_tool", tool_name="search"))
    call.finish(Response())
    failed = emitter.start(Request(operation="chat", provider="openai", model="gpt-4o"))
    failed.fail(RuntimeError("boom"))

    for span in telemetry.spans():
        assert not any(k.startswith("llmlens.cost") for k in span.attributes), span.name
    assert telemetry.metric_points(n.METRIC_COST) == []
    assert telemetry.metric_points(n.METRIC_COST_UNPRICED_CALLS) == []


def test_service_tier_selects_the_tier_price(install, emitter, telemetry):
    install()
    usage = Usage(input_tokens=1_000_000, output_tokens=0)
    make_call(emitter, "gpt-5", usage, extra={n.OPENAI_RESPONSE_SERVICE_TIER: "flex"})
    flex = genai_prices.calc_price(genai_prices.Usage(input_tokens=1_000_000), "gpt-5",
                                   provider_id="openai", price_context={"service_tier": "flex"})
    standard = library_cost("gpt-5", "openai", input_tokens=1_000_000)
    assert float(flex.total_price) != pytest.approx(standard[2])
    assert telemetry.span().attributes[n.LLMLENS_COST_USD] == pytest.approx(
        float(flex.total_price))


def test_a_broken_price_source_never_breaks_the_call(install, emitter, telemetry, monkeypatch):
    economics = install()

    def broken(*_args, **_kwargs):
        raise RuntimeError("price source exploded")

    monkeypatch.setattr(economics.prices, "price", broken)
    monkeypatch.setattr(economics.prices, "price_until", broken)
    make_call(emitter, "gpt-4o", Usage(input_tokens=10, output_tokens=1))
    span = telemetry.span()
    assert span.attributes[n.GEN_AI_USAGE_INPUT_TOKENS] == 10
    assert n.LLMLENS_COST_USD not in span.attributes


class _PlainSpan:
    """A span without the SDK's internals: only ``attributes`` and setters."""

    def __init__(self, attributes):
        self.attributes = dict(attributes)

    def set_attribute(self, key, value):
        self.attributes[key] = value

    def set_attributes(self, attributes):
        self.attributes.update(attributes)


def test_cost_hook_reads_spans_through_the_public_attributes_too(install, telemetry):
    economics = install()
    span = _PlainSpan({
        n.GEN_AI_OPERATION_NAME: "chat", n.GEN_AI_PROVIDER_NAME: "openai",
        n.GEN_AI_REQUEST_MODEL: "gpt-4o", n.GEN_AI_USAGE_INPUT_TOKENS: 2_000,
        n.GEN_AI_USAGE_OUTPUT_TOKENS: 100,
    })
    economics.cost.on_span_ending(span)
    expected = library_cost("gpt-4o", "openai", input_tokens=2_000, output_tokens=100)
    assert span_cost(span) == pytest.approx(expected, rel=1e-12)
    [point] = telemetry.metric_points(n.METRIC_COST)
    assert point.value == pytest.approx(expected[2])


def test_calls_whose_spans_are_not_sampled_are_still_counted(monkeypatch):
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.sampling import ALWAYS_OFF

    from llmlens import economics
    from llmlens.economics import attribute
    from llmlens_semconv import Emitter
    from llmlens_semconv.content import ContentPolicy
    from llmlens_semconv.testing import Telemetry

    for name in ("LLMLENS_PRICES_FILE", "LLMLENS_BUDGETS", "LLMLENS_METRIC_ATTRIBUTES"):
        monkeypatch.delenv(name, raising=False)
    telemetry = Telemetry.create()
    telemetry.tracer_provider = TracerProvider(sampler=ALWAYS_OFF)
    installed = economics.install(telemetry.tracer_provider, telemetry.meter_provider,
                                  telemetry.logger_provider, budgets="team:a=1M tokens/day")
    try:
        emitter = Emitter("tests.economics", content=ContentPolicy(), **telemetry.providers())
        with attribute(team="a"):
            make_call(emitter, "gpt-4o", Usage(input_tokens=1_000, output_tokens=100))
            make_call(emitter, "acme-llm-9000", Usage(input_tokens=5, output_tokens=5))
            outer = emitter.start(Request(operation="chat", provider="openai", model="gpt-4o",
                                          framework=True))
            inner = emitter.start(Request(operation="chat", provider="openai", model="gpt-4o"),
                                  parent=outer.context())
            inner.finish(Response(usage=Usage(input_tokens=1_000, output_tokens=100)))
            outer.finish(Response(usage=Usage(input_tokens=1_000, output_tokens=100)))

        assert telemetry.spans() == []
        expected = library_cost("gpt-4o", "openai", input_tokens=1_000, output_tokens=100)[2]
        [point] = telemetry.metric_points(n.METRIC_COST)
        assert point.value == pytest.approx(2 * expected)  # the framework call counted once
        assert point.attributes[n.LLMLENS_TEAM] == "a"
        [unpriced] = telemetry.metric_points(n.METRIC_COST_UNPRICED_CALLS)
        assert unpriced.value == 1
        [usage] = telemetry.metric_points(n.METRIC_BUDGET_USAGE)
        assert usage.value == 2 * 1_100 + 10
        assert installed is not None
    finally:
        economics.uninstall()
        telemetry.shutdown()

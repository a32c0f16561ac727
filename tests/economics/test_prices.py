"""User price overrides (YAML/JSON, effective dates), lazy loading and the
`llmlens doctor --prices` text."""

from __future__ import annotations

import io
import json
import sys
from datetime import datetime, timezone

import genai_prices
import pytest
from economics_helpers import make_call

from llmlens import economics
from llmlens.economics.pricing import USER_FILE_SOURCE, PriceBook
from llmlens_semconv import Usage
from llmlens_semconv import names as n

MILLION = Usage(input_tokens=1_000_000, output_tokens=1_000_000)


def ns(year: int, month: int, day: int) -> int:
    return int(datetime(year, month, day, tzinfo=timezone.utc).timestamp()) * 1_000_000_000


@pytest.fixture
def dated_file(tmp_path):
    path = tmp_path / "prices.yaml"
    path.write_text(
        "models:\n"
        "  gpt-4o:\n"
        "    - {effective: 2025-01-01, input: 2.0, output: 8.0}\n"
        "    - {effective: 2026-07-01, input: 1.5, output: 6.0, cached_input: 0.5}\n"
        "  my-finetune:\n"
        "    provider: openai\n"
        "    input: 3\n"
        "    output: 12\n")
    return path


def test_user_price_overrides_the_library(install, emitter, telemetry, dated_file):
    install(prices_file=str(dated_file))
    make_call(emitter, "gpt-4o", MILLION)
    attributes = telemetry.span().attributes
    # today (after 2026-07-01) the second entry applies, not the library's $12.50
    assert attributes[n.LLMLENS_COST_USD] == pytest.approx(7.5)


def test_user_file_adds_a_model_the_library_does_not_know(install, emitter, telemetry, dated_file):
    install(prices_file=str(dated_file))
    make_call(emitter, "my-finetune", Usage(input_tokens=500_000, output_tokens=100_000))
    make_call(emitter, "my-finetune", Usage(input_tokens=1, output_tokens=1), provider="anthropic")
    priced, other_provider = telemetry.spans()
    assert priced.attributes[n.LLMLENS_COST_INPUT_USD] == pytest.approx(1.5)
    assert priced.attributes[n.LLMLENS_COST_OUTPUT_USD] == pytest.approx(1.2)
    # the entry names provider openai only
    assert other_provider.attributes[n.LLMLENS_COST_UNPRICED] is True


def test_effective_dates_pick_the_price_of_the_day(dated_file):
    clock = [ns(2025, 6, 1)]
    book = PriceBook(dated_file, clock=lambda: clock[0])

    first = book.price("openai", "gpt-4o")
    assert (first.rates.input, first.rates.output, first.source) == (2.0, 8.0, USER_FILE_SOURCE)

    clock[0] = ns(2026, 7, 1)  # the cached price expires at the next effective date
    second = book.price("openai", "gpt-4o")
    assert (second.rates.input, second.rates.cache_read) == (1.5, 0.5)

    clock[0] = ns(2024, 6, 1)  # before every entry: the library's price
    book_before = PriceBook(dated_file, clock=lambda: clock[0])
    assert book_before.price("openai", "gpt-4o").source.startswith("genai-prices")


def test_json_price_file(tmp_path, install, emitter, telemetry):
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"house-model": {"input": 1, "output": 1, "cache_read": 0.1}}))
    install(prices_file=str(path))
    make_call(emitter, "House-Model",
              Usage(input_tokens=1_000_000, cache_read_input_tokens=500_000, output_tokens=0))
    assert telemetry.span().attributes[n.LLMLENS_COST_USD] == pytest.approx(0.55)


def test_a_broken_price_file_leaves_the_library_prices(tmp_path, install, emitter, telemetry,
                                                        caplog):
    path = tmp_path / "prices.yaml"
    path.write_text("models:\n  gpt-4o: {input: cheap}\n")
    install(prices_file=str(path))
    make_call(emitter, "gpt-4o", MILLION)
    library = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=1_000_000, output_tokens=1_000_000), "gpt-4o",
        provider_id="openai")
    assert telemetry.span().attributes[n.LLMLENS_COST_USD] == pytest.approx(
        float(library.total_price))
    assert "LLMLENS_PRICES_FILE" in caplog.text


def test_prices_load_lazily(install, emitter, telemetry, monkeypatch, dated_file):
    loads: list[str] = []
    from llmlens.economics import price_file

    real = price_file.load_price_file
    monkeypatch.setattr(price_file, "load_price_file", lambda p: loads.append(p) or real(p))
    economics_state = install(prices_file=str(dated_file))
    assert loads == []
    assert economics_state.prices._loaded is False
    for _ in range(3):
        make_call(emitter, "gpt-4o", MILLION)
    assert loads == [str(dated_file)]
    assert "genai_prices" in sys.modules


def test_install_is_idempotent(install, emitter, telemetry):
    first = install()
    second = install()
    assert first is second
    make_call(emitter, "gpt-4o", MILLION)
    [point] = telemetry.metric_points(n.METRIC_COST)
    assert point.value == pytest.approx(telemetry.span().attributes[n.LLMLENS_COST_USD])
    assert len(telemetry.span().attributes) == len(set(telemetry.span().attributes))


def test_install_never_raises():
    assert economics.install(object(), object(), object()) is None
    economics.uninstall()


def test_doctor_prices_shows_rates_and_source(dated_file, monkeypatch):
    monkeypatch.delenv("LLMLENS_PRICES_FILE", raising=False)
    text = economics.doctor_prices(["gpt-4o-mini", "anthropic:claude-sonnet-4-5", "nope-9"])
    assert "genai-prices" in text
    mini = text.split("gpt-4o-mini", 1)[1].split("\n\n", 1)[0]
    assert "$0.15 per 1M tokens" in mini
    assert "$0.6 per 1M tokens" in mini
    assert "cached input  $0.075 per 1M tokens" in mini
    assert "above 200,000 input tokens" in text
    assert "nope-9\n  unknown" in text

    monkeypatch.setenv("LLMLENS_PRICES_FILE", str(dated_file))
    text = economics.doctor_prices(["my-finetune"])
    assert "source: LLMLENS_PRICES_FILE" in text
    assert "input         $3 per 1M tokens" in text


def test_doctor_is_wired_into_the_cli():
    from llmlens import cli
    from llmlens.economics.cli import register

    registry = cli.builtin_registry()
    register(registry)
    out = io.StringIO()
    parser = cli.build_parser(registry, out)
    args = parser.parse_args(["doctor", "--prices", "gpt-4o-mini"])
    args.handler(args)
    assert "$0.15 per 1M tokens" in out.getvalue()


def test_the_first_call_starts_loading_prices_in_the_background(install, emitter, telemetry):
    from llmlens_semconv import Request, Response

    installed = install()
    assert installed.prices._warming is None
    call = emitter.start(Request(operation="chat", provider="openai", model="gpt-4o"))
    warming = installed.prices._warming
    assert warming is not None
    warming.join(30)
    assert installed.prices._loaded
    call.finish(Response(usage=MILLION))
    assert telemetry.span().attributes[n.LLMLENS_COST_USD] == pytest.approx(12.5)
    # later calls start no other loader
    make_call(emitter, "gpt-4o", MILLION)
    assert installed.prices._warming is warming

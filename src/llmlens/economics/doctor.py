"""``llmlens doctor --prices MODEL...``: what a model costs and where that
price comes from."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from llmlens.economics.genai_prices_source import PROVIDER_IDS
from llmlens.economics.pricing import PRICES_FILE_ENV, PriceBook
from llmlens.economics.rates import Price, Rates

_ROWS = (
    # label, Rates field, what an unset rate falls back to
    ("input", "input", None),
    ("cached input", "cache_read", "input"),
    ("cache write", "cache_write", "input"),
    ("output", "output", None),
    ("reasoning", "reasoning", "output"),
    ("audio input", "audio_input", "input"),
    ("audio output", "audio_output", "output"),
)


def doctor_prices(models: list[str], *, prices_file: str | None = None) -> str:
    """The report for ``models`` (``MODEL`` or ``PROVIDER:MODEL``, where
    PROVIDER is a ``gen_ai.provider.name`` such as ``openai``)."""
    book = PriceBook(prices_file if prices_file is not None else os.environ.get(PRICES_FILE_ENV))
    library = book.library
    lines: list[str] = []
    if library is not None:
        lines.append(f"price library: {library.source} (bundled data, no network)")
    else:
        lines.append("price library: genai-prices is not installed")
    user_file = prices_file if prices_file is not None else os.environ.get(PRICES_FILE_ENV)
    lines.append(f"user price file: {user_file or f'none ({PRICES_FILE_ENV} unset)'}")
    for ref in models:
        provider, model = _split(ref)
        lines.append("")
        lines.extend(_model_report(book, provider, model))
    return "\n".join(lines) + "\n"


def _split(ref: str) -> tuple[str | None, str]:
    head, sep, tail = ref.partition(":")
    if sep and tail and (head in PROVIDER_IDS or head in PROVIDER_IDS.values()):
        return head, tail
    return None, ref


def _model_report(book: PriceBook, provider: str | None, model: str) -> list[str]:
    title = f"{provider}:{model}" if provider else model
    price = book.price(provider, model)
    if price is None:
        return [
            title,
            "  unknown: not in the user price file nor in the price library;",
            "  its calls are marked llmlens.cost.unpriced=true and counted in",
            "  llmlens.cost.unpriced_calls (never reported as $0)",
        ]
    lines = [title, f"  source: {_source(price)}"]
    lines.extend(_rate_rows(price.rates, "  "))
    if price.rates.per_request:
        lines.append(f"  {'per request':<14}${price.rates.per_request:g}")
    for start, tier in price.rates.tiers:
        lines.append(f"  above {start:,} input tokens:")
        lines.extend(_rate_rows(tier, "    "))
    upcoming = [
        e for e in book.user_prices().get(model.lower(), [])
        if e.effective_ns > _now_ns() and (provider is None or e.provider in (None, provider))
    ]
    for entry in upcoming:
        day = datetime.fromtimestamp(entry.effective_ns / 1e9, tz=timezone.utc).date()
        lines.append(f"  from {day.isoformat()} (user file):")
        lines.extend(_rate_rows(entry.rates, "    "))
    return lines


def _source(price: Price) -> str:
    if price.source.startswith("genai-prices"):
        return f"{price.source}, provider {price.provider}, model {price.model}"
    return f"{PRICES_FILE_ENV} ({price.source})"


def _rate_rows(rates: Rates, indent: str) -> list[str]:
    rows = []
    for label, field, fallback in _ROWS:
        value = getattr(rates, field)
        if value is not None:
            text = f"${value:g} per 1M tokens"
        elif fallback is not None:
            text = f"billed as {fallback}"
        else:
            text = "not priced"
        rows.append(f"{indent}{label:<14}{text}")
    return rows


def _now_ns() -> int:
    return int(datetime.now(tz=timezone.utc).timestamp() * 1e9)

"""The user's price file (``LLMLENS_PRICES_FILE``): YAML or JSON, USD per
million tokens, per model, optionally per provider and from a date on.

::

    models:
      my-finetune:                # matched case-insensitively against the
        provider: openai          # response model, then the request model;
        input: 3.00               # provider (gen_ai.provider.name) is optional
        cached_input: 0.30
        cache_write: 3.75
        output: 12.00
        reasoning: 12.00
        audio_input: 40
        audio_output: 80
      gpt-4o:                     # a list: each entry applies from its date on
        - {effective: 2026-01-01, input: 2.00, output: 8.00}
        - {effective: 2026-07-01, input: 1.50, output: 6.00}

Only ``input`` and ``output`` are required; cached input, cache write and
audio input default to the input rate, reasoning and audio output to the
output rate. Before an entry's date (or for a model the file does not name)
the price library's price applies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from llmlens.economics.rates import Rates

_RATE_FIELDS = {
    "cached_input": "cache_read",
    "cache_read": "cache_read",
    "cache_write": "cache_write",
    "reasoning": "reasoning",
    "audio_input": "audio_input",
    "audio_output": "audio_output",
    "image_input": "image_input",
}
_KNOWN_FIELDS = {"input", "output", "provider", "effective", "per_request", *_RATE_FIELDS}


class PriceFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class UserPrice:
    provider: str | None
    effective_ns: int  # 0: always
    rates: Rates


def load_price_file(path: str | Path) -> dict[str, list[UserPrice]]:
    """Model name (lower case) -> its prices, oldest effective date first."""
    text = Path(path).read_text(encoding="utf-8")
    data = _parse(text, str(path))
    if not isinstance(data, Mapping):
        raise PriceFileError("the price file must be a mapping of model names")
    models = data.get("models", data)
    if not isinstance(models, Mapping):
        raise PriceFileError("'models' must be a mapping of model names")
    out: dict[str, list[UserPrice]] = {}
    for model, spec in models.items():
        entries = spec if isinstance(spec, list) else [spec]
        prices = [_user_price(str(model), entry) for entry in entries]
        prices.sort(key=lambda p: p.effective_ns)
        out.setdefault(str(model).strip().lower(), []).extend(prices)
    return out


def _parse(text: str, name: str) -> Any:
    if name.lower().endswith(".json"):
        return json.loads(text)
    try:
        import yaml
    except ImportError:  # YAML is optional: JSON is valid YAML, try it as JSON
        return json.loads(text)
    return yaml.safe_load(text)


def _user_price(model: str, entry: Any) -> UserPrice:
    if not isinstance(entry, Mapping):
        raise PriceFileError(f"{model}: a price must be a mapping")
    unknown = set(entry) - _KNOWN_FIELDS
    if unknown:
        raise PriceFileError(f"{model}: unknown field(s) {sorted(unknown)}")
    if "input" not in entry or "output" not in entry:
        raise PriceFileError(f"{model}: 'input' and 'output' (USD per million tokens) are required")
    values = {"input": _rate(model, "input", entry["input"]),
              "output": _rate(model, "output", entry["output"])}
    # a kind of token left without a rate is priced at its total's rate
    for name, field in _RATE_FIELDS.items():
        if entry.get(name) is not None:
            values[field] = _rate(model, name, entry[name])
    per_request = _rate(model, "per_request", entry.get("per_request", 0))
    provider = entry.get("provider")
    return UserPrice(
        provider=str(provider) if provider else None,
        effective_ns=_effective_ns(model, entry.get("effective")),
        rates=Rates(per_request=per_request, **values),
    )


def _rate(model: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise PriceFileError(f"{model}: {name} must be a number")
    try:
        rate = float(value)
    except ValueError as exc:
        raise PriceFileError(f"{model}: {name} must be a number") from exc
    if rate < 0 or rate != rate:
        raise PriceFileError(f"{model}: {name} must be a non-negative number")
    return rate


def _effective_ns(model: str, value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        when = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, date):
        when = datetime(value.year, value.month, value.day, tzinfo=timezone.utc)
    else:
        try:
            when = datetime.fromisoformat(str(value).strip())
        except ValueError as exc:
            raise PriceFileError(f"{model}: effective must be a date (YYYY-MM-DD)") from exc
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
    return int(when.timestamp()) * 1_000_000_000

"""Prices from the ``genai-prices`` package's bundled data (never its network
update). Imported on the first lookup only: the data module is large."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from llmlens.economics.rates import Price, Rates
from llmlens_semconv import names as n

# gen_ai.provider.name -> the price library's provider id
PROVIDER_IDS: dict[str, str] = {
    n.PROVIDER_OPENAI: "openai",
    n.PROVIDER_ANTHROPIC: "anthropic",
    n.PROVIDER_AZURE_OPENAI: "azure",
    n.PROVIDER_AZURE_INFERENCE: "azure",
    n.PROVIDER_AWS_BEDROCK: "aws",
    n.PROVIDER_GCP_VERTEX_AI: "google",
    n.PROVIDER_GCP_GEMINI: "google",
    n.PROVIDER_GCP_GEN_AI: "google",
    n.PROVIDER_COHERE: "cohere",
    n.PROVIDER_X_AI: "x-ai",
    n.PROVIDER_DEEPSEEK: "deepseek",
    n.PROVIDER_GROQ: "groq",
    n.PROVIDER_MISTRAL_AI: "mistral",
    n.PROVIDER_MOONSHOT_AI: "moonshotai",
    n.PROVIDER_PERPLEXITY: "perplexity",
}

# the library's price keys we can apply to GenAI usage attributes -> Rates field
_TOKEN_KEYS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cache_read",
    "cache_write_mtok": "cache_write",
    "output_reasoning_mtok": "reasoning",
    "input_audio_mtok": "audio_input",
    "output_audio_mtok": "audio_output",
    "input_image_mtok": "image_input",
}


def library_version() -> str:
    from importlib.metadata import version

    try:
        return version("genai-prices")
    except Exception:  # noqa: BLE001 - only for display
        return "unknown"


class GenaiPrices:
    """Looks models up in the library's bundled snapshot."""

    def __init__(self) -> None:
        from genai_prices import data_snapshot

        self._snapshot = data_snapshot.get_snapshot()
        self.source = f"genai-prices {library_version()}"

    def find(self, provider_name: str | None, model: str) -> tuple[Any, Any] | None:
        """(library provider, model info) or None."""
        provider_id = PROVIDER_IDS.get(provider_name) if provider_name else None
        candidates: list[str | None] = [provider_id] if provider_id else [provider_name, None]
        for candidate in candidates:
            try:
                return self._snapshot.find_provider_model(model, None, candidate, None)
            except LookupError:
                continue
        return None

    def price(
        self, provider_name: str | None, model: str, when_ns: int, service_tier: str | None,
    ) -> tuple[Price | None, bool]:
        """(price at ``when_ns`` or None, whether it can change with time)."""
        found = self.find(provider_name, model)
        if found is None:
            return None, False
        provider, info = found
        when = datetime.fromtimestamp(when_ns / 1e9, tz=timezone.utc)
        # request variants apply to a provider's own models (as the library does)
        context = (
            {"service_tier": service_tier}
            if service_tier and any(info is m for m in provider.models) else None
        )
        model_price = info.get_prices(when, context) if context else info.get_prices(when)
        rates = rates_of(model_price)
        dated = not _is_static(info)
        if rates is None:
            return None, dated
        return Price(rates, self.source, info.id, provider.id), dated


def _is_static(info: Any) -> bool:
    from genai_prices.types import ModelPrice

    return isinstance(info.prices, ModelPrice) and not info.price_variants


def rates_of(model_price: Any) -> Rates | None:
    """The library's price of a model as float rates (tiers included), or None
    when it has no token price."""
    from genai_prices.types import TieredPrices

    values = {field: getattr(model_price, key, None) for key, field in _TOKEN_KEYS.items()}
    if values["input"] is None and values["output"] is None:
        return None
    per_request = getattr(model_price, "requests_kcount", None)
    starts = sorted({
        tier.start for v in values.values() if isinstance(v, TieredPrices) for tier in v.tiers
    })

    def build(above: int | None) -> dict[str, Any]:
        built: dict[str, Any] = {}
        for field, value in values.items():
            if isinstance(value, TieredPrices):
                price = value.base
                for tier in value.tiers:
                    if above is not None and tier.start <= above:
                        price = tier.price
                built[field] = float(price)
            elif value is not None:
                built[field] = float(value)
        built.setdefault("input", 0.0)
        built.setdefault("output", 0.0)
        return built

    tiers = tuple((start, Rates(**build(start))) for start in starts)
    return Rates(
        per_request=float(per_request / Decimal(1000)) if per_request else 0.0,
        tiers=tiers,
        **build(None),
    )

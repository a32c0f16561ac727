"""Per-model token rates and the arithmetic of one call's cost.

Rates are USD per million tokens. Usage follows the GenAI conventions:
``input_tokens`` includes cache reads and writes (and audio), and
``output_tokens`` includes reasoning (and audio). A kind of token with its own
rate is taken out of its total and priced at that rate; a kind without one is
priced at the rate of the total it belongs to (the way the price library
decomposes usage).
"""

from __future__ import annotations

from dataclasses import dataclass, field

PER_MILLION = 1_000_000.0


@dataclass(frozen=True, slots=True)
class Rates:
    """USD per million tokens; ``None``: no separate rate (priced as its total)."""

    input: float
    output: float
    cache_read: float | None = None
    cache_write: float | None = None
    reasoning: float | None = None
    audio_input: float | None = None
    audio_output: float | None = None
    image_input: float | None = None
    # USD per API call, counted in the total only (as the price library does)
    per_request: float = 0.0
    # (input tokens above which, rates that apply then), ascending
    tiers: tuple[tuple[int, Rates], ...] = field(default=())

    def for_input(self, input_tokens: int) -> Rates:
        for start, rates in reversed(self.tiers):
            if input_tokens > start:
                return rates
        return self

    def cost(
        self,
        input_tokens: int,
        output_tokens: int,
        cache_read: int = 0,
        cache_write: int = 0,
        reasoning: int = 0,
        audio_input: int = 0,
        audio_output: int = 0,
        image_input: int = 0,
    ) -> tuple[float, float, float]:
        """USD for input, output and in total (with the per-request fee) of one
        call's token counts (plain ints and a plain tuple: this runs per span).
        Each kind of token is written out rather than looped over: a loop over
        (count, rate) pairs takes twice as long."""
        r = self.for_input(input_tokens) if self.tiers else self
        plain_in = input_tokens
        in_usd = 0.0
        if r.cache_read is not None and cache_read:
            in_usd += cache_read * r.cache_read
            plain_in -= cache_read
        if r.cache_write is not None and cache_write:
            in_usd += cache_write * r.cache_write
            plain_in -= cache_write
        if r.audio_input is not None and audio_input:
            in_usd += audio_input * r.audio_input
            plain_in -= audio_input
        if r.image_input is not None and image_input:
            in_usd += image_input * r.image_input
            plain_in -= image_input
        if plain_in > 0:
            in_usd += plain_in * r.input
        plain_out = output_tokens
        out_usd = 0.0
        if r.reasoning is not None and reasoning:
            out_usd += reasoning * r.reasoning
            plain_out -= reasoning
        if r.audio_output is not None and audio_output:
            out_usd += audio_output * r.audio_output
            plain_out -= audio_output
        if plain_out > 0:
            out_usd += plain_out * r.output
        in_usd /= PER_MILLION
        out_usd /= PER_MILLION
        return in_usd, out_usd, in_usd + out_usd + r.per_request


@dataclass(frozen=True, slots=True)
class Price:
    """What one call of a model costs, and where that price comes from."""

    rates: Rates
    source: str
    model: str
    provider: str | None = None

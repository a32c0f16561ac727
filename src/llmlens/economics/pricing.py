"""Which price applies to a call: the user's file first, then the price
library. Loaded on the first lookup, then cached per model."""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmlens.economics.rates import Price

if TYPE_CHECKING:  # both import lazily: the library's data module is large
    from llmlens.economics.genai_prices_source import GenaiPrices
    from llmlens.economics.price_file import UserPrice

_log = logging.getLogger(__name__)

PRICES_FILE_ENV = "LLMLENS_PRICES_FILE"
USER_FILE_SOURCE = "user-file"
# "until" of a price that does not change with time
NEVER_NS = 1 << 62
# how long a price that changes with time (dated or time-of-day prices) is reused
_RECHECK_NS = 60 * 1_000_000_000
_CACHE_LIMIT = 4096


@dataclass(slots=True)
class _Cached:
    price: Price | None
    expires_ns: int


class PriceBook:
    """``price(provider, model)`` -> :class:`Price`, or None when unknown."""

    def __init__(
        self, prices_file: str | Path | None = None, *, clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self._prices_file = prices_file
        self.clock = clock
        self._lock = threading.Lock()
        self._cache: dict[tuple[str | None, str, str | None], _Cached] = {}
        self._loaded = False
        self._user: dict[str, list[UserPrice]] = {}
        self._library: GenaiPrices | None = None
        self._warming: threading.Thread | None = None

    def price(
        self, provider: str | None, model: str, service_tier: str | None = None,
    ) -> Price | None:
        return self.price_until(provider, model, service_tier)[0]

    def price_until(
        self, provider: str | None, model: str, service_tier: str | None = None,
    ) -> tuple[Price | None, int]:
        """The price, and until when (ns on :attr:`clock`) it holds."""
        now = self.clock()
        key = (provider, model, service_tier)
        cached = self._cache.get(key)
        if cached is not None and now < cached.expires_ns:
            return cached.price, cached.expires_ns
        with self._lock:
            self._load()
            price, expires = self._resolve(provider, model, service_tier, now)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = _Cached(price, expires)
        return price, expires

    # --- loading ---------------------------------------------------------------

    def warm_up(self) -> None:
        """Load the prices in the background (called when the first GenAI call
        starts, so the load overlaps the call instead of delaying its end)."""
        if self._warming is not None or self._loaded:
            return
        with self._lock:
            if self._warming is not None or self._loaded:
                return
            self._warming = threading.Thread(
                target=self._load_locked, name="llmlens-prices", daemon=True)
        self._warming.start()

    def _load_locked(self) -> None:
        with self._lock:
            self._load()

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        if self._prices_file:
            from llmlens.economics.price_file import load_price_file

            try:
                self._user = load_price_file(self._prices_file)
            except Exception as exc:  # noqa: BLE001 - a bad file must not break calls
                _log.warning("%s: cannot use the price file: %s", PRICES_FILE_ENV, exc)
        try:
            from llmlens.economics.genai_prices_source import GenaiPrices

            self._library = GenaiPrices()
        except Exception as exc:  # noqa: BLE001 - no library: user prices only
            _log.warning("genai-prices unavailable, only user prices apply: %s", exc)

    def user_prices(self) -> dict[str, list[UserPrice]]:
        with self._lock:
            self._load()
        return self._user

    @property
    def library(self) -> GenaiPrices | None:
        with self._lock:
            self._load()
        return self._library

    # --- resolving ---------------------------------------------------------------

    def _resolve(
        self, provider: str | None, model: str, service_tier: str | None, now: int,
    ) -> tuple[Price | None, int]:
        user = self._user_price(provider, model, service_tier, now)
        if user is not None:
            return user
        if self._library is None:
            return None, NEVER_NS
        price, dated = self._library.price(provider, model, now, service_tier)
        return price, (now + _RECHECK_NS if dated else NEVER_NS)

    def _user_price(
        self, provider: str | None, model: str, service_tier: str | None, now: int,
    ) -> tuple[Price | None, int] | None:
        entries = self._user.get(model.lower())
        if not entries:
            return None
        # an entry naming a provider applies to that provider (and to calls naming none)
        entries = [e for e in entries if e.provider in (None, provider) or provider is None]
        if not entries:
            return None
        starts = [e.effective_ns for e in entries]
        index = bisect_right(starts, now)
        next_start = starts[index] if index < len(starts) else NEVER_NS
        if index == 0:
            # every entry starts later: the library's price until the first one
            library = (
                self._library.price(provider, model, now, service_tier) if self._library else None)
            if library is None or library[0] is None:
                return None, next_start
            return library[0], min(next_start, now + _RECHECK_NS if library[1] else NEVER_NS)
        entry = entries[index - 1]
        return Price(entry.rates, USER_FILE_SOURCE, model, provider), next_start

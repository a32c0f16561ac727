"""Server-wide settings: seed, latency profile and fault profile.

Each setting comes from a command-line flag, else an environment variable, else a
default. A request may override latency and faults with ``x-mock-*`` headers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

FAULT_KINDS = ("429", "500", "529", "disconnect")

ENV_SEED = "MOCK_LLM_SEED"
ENV_TTFT_MS = "MOCK_LLM_TTFT_MS"
ENV_ITL_MS = "MOCK_LLM_ITL_MS"
ENV_JITTER = "MOCK_LLM_JITTER"
ENV_SLOW_SHARE = "MOCK_LLM_SLOW_SHARE"
ENV_SLOW_FACTOR = "MOCK_LLM_SLOW_FACTOR"
ENV_FAULT_RATE = "MOCK_LLM_FAULT_RATE"
ENV_FAULTS = "MOCK_LLM_FAULTS"
ENV_RETRY_AFTER_MS = "MOCK_LLM_RETRY_AFTER_MS"

HEADER_TTFT_MS = "x-mock-ttft-ms"
HEADER_ITL_MS = "x-mock-itl-ms"
HEADER_FAULT = "x-mock-fault"
# Both SDKs number their attempts in this header; a forced fault can spare retries.
HEADER_RETRY_COUNT = "x-stainless-retry-count"


@dataclass(frozen=True)
class LatencyProfile:
    """Time to first token and delay between tokens, with a relative jitter, and a slow
    tail: a share of requests whose delays are all multiplied by a factor."""

    ttft_ms: float = 0.0
    itl_ms: float = 0.0
    jitter: float = 0.0
    slow_share: float = 0.0
    slow_factor: float = 4.0


@dataclass(frozen=True)
class FaultProfile:
    """Share of requests that fail, and the kinds of failure drawn among."""

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after_ms: int = 200

    def __post_init__(self) -> None:
        unknown = [kind for kind in self.kinds if kind not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(FAULT_KINDS)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("fault rate must be between 0 and 1")


@dataclass(frozen=True)
class ServerConfig:
    seed: int = 0
    latency: LatencyProfile = field(default_factory=LatencyProfile)
    faults: FaultProfile = field(default_factory=FaultProfile)


def parse_kinds(text: str) -> tuple[str, ...]:
    return tuple(kind.strip() for kind in text.split(",") if kind.strip())


def config_from_env(environ: Mapping[str, str] | None = None) -> ServerConfig:
    env = os.environ if environ is None else environ
    latency = LatencyProfile(
        ttft_ms=float(env.get(ENV_TTFT_MS, 0)),
        itl_ms=float(env.get(ENV_ITL_MS, 0)),
        jitter=float(env.get(ENV_JITTER, 0)),
        slow_share=float(env.get(ENV_SLOW_SHARE, 0)),
        slow_factor=float(env.get(ENV_SLOW_FACTOR, 4)),
    )
    faults = FaultProfile(
        rate=float(env.get(ENV_FAULT_RATE, 0)),
        kinds=parse_kinds(env.get(ENV_FAULTS, ",".join(FAULT_KINDS))),
        retry_after_ms=int(env.get(ENV_RETRY_AFTER_MS, 200)),
    )
    return ServerConfig(seed=int(env.get(ENV_SEED, 0)), latency=latency, faults=faults)


def latency_for_request(base: LatencyProfile, headers: Mapping[str, str]) -> LatencyProfile:
    latency = base
    if headers.get(HEADER_TTFT_MS):
        latency = replace(latency, ttft_ms=float(headers[HEADER_TTFT_MS]))
    if headers.get(HEADER_ITL_MS):
        latency = replace(latency, itl_ms=float(headers[HEADER_ITL_MS]))
    return latency


def forced_fault(headers: Mapping[str, str]) -> str | None:
    """The fault a request asks for with ``x-mock-fault: KIND[:ATTEMPTS]``.

    With ``:ATTEMPTS`` only the first ATTEMPTS attempts fail, so a client's retry
    succeeds; ``none`` asks for no fault even when the server draws them at random.
    """
    value = headers.get(HEADER_FAULT, "").strip()
    if not value:
        return None
    kind, _, attempts = value.partition(":")
    kind = kind.strip()
    if kind == "none":
        return "none"
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
    if attempts.strip():
        retry_count = int(headers.get(HEADER_RETRY_COUNT, "0") or 0)
        if retry_count >= int(attempts):
            return "none"
    return kind

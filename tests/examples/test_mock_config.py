"""Settings of the mock server: environment, per-request headers, pacing."""

from __future__ import annotations

import random

import pytest

from mock_llm.config import (
    FaultProfile,
    LatencyProfile,
    config_from_env,
    forced_fault,
    latency_for_request,
)
from mock_llm.server import _Pacing


def test_config_from_env_reads_every_variable():
    config = config_from_env(
        {
            "MOCK_LLM_SEED": "9",
            "MOCK_LLM_TTFT_MS": "120",
            "MOCK_LLM_ITL_MS": "7.5",
            "MOCK_LLM_JITTER": "0.2",
            "MOCK_LLM_SLOW_SHARE": "0.05",
            "MOCK_LLM_SLOW_FACTOR": "6",
            "MOCK_LLM_FAULT_RATE": "0.1",
            "MOCK_LLM_FAULTS": "429, disconnect",
            "MOCK_LLM_RETRY_AFTER_MS": "50",
        }
    )
    assert config.seed == 9
    assert config.latency == LatencyProfile(
        ttft_ms=120, itl_ms=7.5, jitter=0.2, slow_share=0.05, slow_factor=6
    )
    assert config.faults == FaultProfile(rate=0.1, kinds=("429", "disconnect"), retry_after_ms=50)


def test_defaults_are_fast_and_fault_free():
    config = config_from_env({})
    assert config.latency == LatencyProfile()
    assert config.faults.rate == 0


@pytest.mark.parametrize("bad", [{"MOCK_LLM_FAULTS": "418"}, {"MOCK_LLM_FAULT_RATE": "2"}])
def test_invalid_fault_profiles_are_refused(bad):
    with pytest.raises(ValueError):
        config_from_env(bad)


def test_headers_override_latency():
    base = LatencyProfile(ttft_ms=100, itl_ms=10, jitter=0.5)
    latency = latency_for_request(base, {"x-mock-ttft-ms": "5", "x-mock-itl-ms": "1"})
    assert latency == LatencyProfile(ttft_ms=5, itl_ms=1, jitter=0.5)
    assert latency_for_request(base, {}) == base


@pytest.mark.parametrize(
    ("header", "retry_count", "expected"),
    [
        (None, None, None),
        ("429", None, "429"),
        ("429", "3", "429"),
        ("500:1", "0", "500"),
        ("500:1", "1", "none"),
        ("disconnect:2", "1", "disconnect"),
        ("none", None, "none"),
    ],
)
def test_forced_fault_spares_retries_past_the_count(header, retry_count, expected):
    headers = {}
    if header is not None:
        headers["x-mock-fault"] = header
    if retry_count is not None:
        headers["x-stainless-retry-count"] = retry_count
    assert forced_fault(headers) == expected


def test_pacing_is_seeded_and_within_the_jitter():
    latency = LatencyProfile(ttft_ms=100, itl_ms=10, jitter=0.5)

    def delays(seed: int) -> list[float]:
        pacing = _Pacing(latency, random.Random(seed))
        return [pacing.first(), *(pacing.next() for _ in range(20))]

    first = delays(1)
    assert first == delays(1)
    assert first != delays(2)
    assert 0.05 <= first[0] <= 0.15
    assert all(0.005 <= delay <= 0.015 for delay in first[1:])
    assert _Pacing(LatencyProfile(), random.Random(0)).first() == 0


def test_slow_tail_multiplies_the_delays_of_a_share_of_requests():
    latency = LatencyProfile(ttft_ms=100, itl_ms=10, slow_share=0.25, slow_factor=5)
    firsts = [_Pacing(latency, random.Random(seed)).first() for seed in range(400)]
    slow = [delay for delay in firsts if delay == 0.5]
    assert set(firsts) == {0.1, 0.5}
    assert 60 <= len(slow) <= 140

"""The GenAI client metrics: names, units, bucket boundaries and attributes
of the conventions, nothing of high cardinality."""

from __future__ import annotations

import openai
import pytest
from mock_api import MockAPI, chat_chunks, chat_completion, error_body

from llmlens_semconv import names as n

MESSAGES = [{"role": "user", "content": "hi"}]
EXPECTED_ATTRIBUTES = {
    n.GEN_AI_OPERATION_NAME: n.OP_CHAT,
    n.GEN_AI_PROVIDER_NAME: n.PROVIDER_OPENAI,
    n.GEN_AI_REQUEST_MODEL: "gpt-4o-mini",
    n.GEN_AI_RESPONSE_MODEL: "gpt-4o-mini-2024-07-18",
    n.SERVER_ADDRESS: "api.openai.com",
    n.SERVER_PORT: 443,
    n.OPENAI_RESPONSE_SERVICE_TIER: "default",
}


def test_units_buckets_and_attributes(otel):
    api = MockAPI(is_async=False).json(chat_completion()).sse(chat_chunks())
    client = api.client()
    client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    list(client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True))

    expected_units = {
        n.METRIC_OPERATION_DURATION: ("s", n.DURATION_BUCKETS),
        n.METRIC_TOKEN_USAGE: ("{token}", n.TOKEN_BUCKETS),
        n.METRIC_TIME_TO_FIRST_CHUNK: ("s", n.DURATION_BUCKETS),
        n.METRIC_TIME_PER_OUTPUT_CHUNK: ("s", n.DURATION_BUCKETS),
    }
    for name, (unit, buckets) in expected_units.items():
        metric = otel.metric(name)
        assert metric is not None, name
        assert metric.unit == unit
        for point in metric.data.data_points:
            assert tuple(point.explicit_bounds) == tuple(buckets), name
            assert n.GEN_AI_RESPONSE_ID not in point.attributes
            assert n.GEN_AI_INPUT_MESSAGES not in point.attributes

    # the unary call and the stream share every metric attribute: one point
    [duration] = otel.metric_points(n.METRIC_OPERATION_DURATION)
    assert duration.count == 2
    assert dict(duration.attributes) == EXPECTED_ATTRIBUTES
    tokens = {p.attributes[n.GEN_AI_TOKEN_TYPE]: p.sum
              for p in otel.metric_points(n.METRIC_TOKEN_USAGE)}
    assert tokens == {"input": 19, "output": 10}  # the stream reported no usage
    [ttfc] = otel.metric_points(n.METRIC_TIME_TO_FIRST_CHUNK)
    assert ttfc.count == 1
    assert dict(ttfc.attributes) == EXPECTED_ATTRIBUTES
    [per_chunk] = otel.metric_points(n.METRIC_TIME_PER_OUTPUT_CHUNK)
    assert per_chunk.count == 4  # five chunks seen, four gaps between them


def test_error_metrics_carry_error_type(otel):
    client = MockAPI(is_async=False).json(error_body(), status=429).client()
    with pytest.raises(openai.RateLimitError):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    [point] = otel.metric_points(n.METRIC_OPERATION_DURATION)
    assert point.attributes[n.ERROR_TYPE] == "RateLimitError"
    assert n.GEN_AI_RESPONSE_MODEL not in point.attributes

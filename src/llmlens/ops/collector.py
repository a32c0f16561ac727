"""OpenTelemetry Collector (contrib distribution) configurations.

Two tiers, for when one machine is not enough:
- ``agent.yaml`` (first tier, e.g. a DaemonSet or sidecar): OTLP in, memory
  limiter, batch; traces to the gateways by trace id through the
  load-balancing exporter (so every span of a trace reaches the same gateway
  and tail sampling sees the whole trace); metrics and logs straight on.
- ``gateway.yaml`` (second tier): tail sampling that keeps every error, slow
  or expensive trace and a share of the rest; span metrics; Tempo, Prometheus
  (remote write) and Loki (OTLP) out.
"""

from __future__ import annotations

from typing import Any

from llmlens_semconv import names as n

SLOW_TRACE_MS = 10_000
EXPENSIVE_TRACE_USD = 0.05
KEEP_SHARE_PERCENT = 10


def _memory_limiter() -> dict[str, Any]:
    return {"check_interval": "1s", "limit_percentage": 80, "spike_limit_percentage": 20}


def _otlp_receiver() -> dict[str, Any]:
    return {"protocols": {"grpc": {"endpoint": "0.0.0.0:4317"},
                          "http": {"endpoint": "0.0.0.0:4318"}}}


def agent() -> dict[str, Any]:
    return {
        "receivers": {"otlp": _otlp_receiver()},
        "processors": {
            "memory_limiter": _memory_limiter(),
            "batch": {"send_batch_size": 2048, "timeout": "2s"},
            "resourcedetection": {"detectors": ["env", "system"], "override": False},
        },
        "exporters": {
            "loadbalancing": {
                "routing_key": "traceID",
                "protocol": {"otlp": {"tls": {"insecure": True}, "timeout": "5s"}},
                "resolver": {"dns": {"hostname": "${env:GATEWAY_HOSTNAME}", "port": 4317}},
            },
            "otlp/gateway": {"endpoint": "${env:GATEWAY_HOSTNAME}:4317",
                             "tls": {"insecure": True}},
        },
        "extensions": {"health_check": {"endpoint": "0.0.0.0:13133"}},
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                "traces": {"receivers": ["otlp"],
                           "processors": ["memory_limiter", "resourcedetection", "batch"],
                           "exporters": ["loadbalancing"]},
                "metrics": {"receivers": ["otlp"],
                            "processors": ["memory_limiter", "resourcedetection", "batch"],
                            "exporters": ["otlp/gateway"]},
                "logs": {"receivers": ["otlp"],
                         "processors": ["memory_limiter", "resourcedetection", "batch"],
                         "exporters": ["otlp/gateway"]},
            },
        },
    }


def gateway() -> dict[str, Any]:
    policies = [
        {"name": "errors", "type": "status_code", "status_code": {"status_codes": ["ERROR"]}},
        {"name": "slow", "type": "latency", "latency": {"threshold_ms": SLOW_TRACE_MS}},
        {"name": "expensive", "type": "numeric_attribute",
         "numeric_attribute": {"key": n.LLMLENS_COST_USD,
                               "min_value": EXPENSIVE_TRACE_USD, "max_value": 1_000_000}},
        {"name": "unpriced", "type": "boolean_attribute",
         "boolean_attribute": {"key": n.LLMLENS_COST_UNPRICED, "value": True}},
        {"name": "share-of-the-rest", "type": "probabilistic",
         "probabilistic": {"sampling_percentage": KEEP_SHARE_PERCENT}},
    ]
    return {
        "receivers": {"otlp": _otlp_receiver()},
        "processors": {
            "memory_limiter": _memory_limiter(),
            "tail_sampling": {"decision_wait": "30s", "num_traces": 100_000,
                              "expected_new_traces_per_sec": 1000, "policies": policies},
            "batch": {"send_batch_size": 4096, "timeout": "5s"},
        },
        "connectors": {
            "spanmetrics": {
                "histogram": {"explicit": {"buckets": [f"{b}s" for b in n.DURATION_BUCKETS]}},
                "dimensions": [{"name": n.GEN_AI_OPERATION_NAME},
                               {"name": n.GEN_AI_PROVIDER_NAME},
                               {"name": n.GEN_AI_REQUEST_MODEL}],
                "metrics_flush_interval": "15s",
            },
        },
        "exporters": {
            "otlp/tempo": {"endpoint": "${env:TEMPO_ENDPOINT}", "tls": {"insecure": True}},
            "prometheusremotewrite": {
                "endpoint": "${env:PROMETHEUS_REMOTE_WRITE_URL}",
                "resource_to_telemetry_conversion": {"enabled": True},
                "target_info": {"enabled": True},
            },
            "otlphttp/loki": {"endpoint": "${env:LOKI_OTLP_ENDPOINT}"},
        },
        "extensions": {"health_check": {"endpoint": "0.0.0.0:13133"}},
        "service": {
            "extensions": ["health_check"],
            "pipelines": {
                # span metrics are computed before sampling, over every span
                "traces/all": {"receivers": ["otlp"], "processors": ["memory_limiter"],
                               "exporters": ["spanmetrics"]},
                "traces/sampled": {"receivers": ["otlp"],
                                   "processors": ["memory_limiter", "tail_sampling", "batch"],
                                   "exporters": ["otlp/tempo"]},
                "metrics": {"receivers": ["otlp", "spanmetrics"],
                            "processors": ["memory_limiter", "batch"],
                            "exporters": ["prometheusremotewrite"]},
                "logs": {"receivers": ["otlp"], "processors": ["memory_limiter", "batch"],
                         "exporters": ["otlphttp/loki"]},
            },
        },
    }


COLLECTOR_CONFIGS = {"agent.yaml": agent, "gateway.yaml": gateway}

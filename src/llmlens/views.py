"""Metric Views giving the GenAI histograms the bucket boundaries the
conventions advise, whatever meter records them and whatever exporter reads
them (a View's explicit aggregation wins over an exporter's preference)."""

from __future__ import annotations

from opentelemetry.metrics import Histogram
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View

from llmlens_semconv.names import HISTOGRAM_BUCKETS


def genai_histogram_views() -> list[View]:
    return [
        View(
            instrument_type=Histogram,
            instrument_name=name,
            aggregation=ExplicitBucketHistogramAggregation(boundaries=list(boundaries)),
        )
        for name, boundaries in HISTOGRAM_BUCKETS.items()
    ]

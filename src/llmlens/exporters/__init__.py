"""Embedded exporters for a machine with no backend (``OTEL_TRACES_EXPORTER``
names ``llmlens_console`` and ``llmlens_jsonl``)."""

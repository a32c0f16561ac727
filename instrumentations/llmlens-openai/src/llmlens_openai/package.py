"""What this instrumentation supports (kept in step with the ``instruments``
extra of pyproject.toml, which is what ``opentelemetry-instrument`` checks)."""

_instruments = ("openai >= 1.66.0",)

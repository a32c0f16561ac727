"""What this instrumentation instruments (kept in step with the ``instruments``
extra of pyproject.toml, which is what ``opentelemetry-instrument`` checks)."""

_instruments = ("langchain-core >= 0.3.0",)

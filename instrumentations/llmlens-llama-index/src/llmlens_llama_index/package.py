"""What this instrumentation instruments (kept in step with the pyproject
``instruments`` extra, which ``opentelemetry-instrument`` checks)."""

_instruments = ("llama-index-core >= 0.12.0",)

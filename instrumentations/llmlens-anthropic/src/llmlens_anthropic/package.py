"""The SDK versions this instrumentation supports (kept in step with the
``instruments`` extra of pyproject.toml)."""

_instruments = ("anthropic >= 1.0.0",)

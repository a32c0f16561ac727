"""llmlens: the OpenTelemetry distro for LLM applications."""

__version__ = "0.1.0"

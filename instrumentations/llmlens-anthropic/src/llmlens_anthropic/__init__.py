"""llmlens-anthropic: OpenTelemetry GenAI instrumentation of the Anthropic SDK.

    from llmlens_anthropic import AnthropicInstrumentor
    AnthropicInstrumentor().instrument()

or, with no code change, ``opentelemetry-instrument python app.py`` (entry
point ``llmlens_anthropic``). Importing this package does not import the SDK.
"""

from llmlens_anthropic.instrumentor import AnthropicInstrumentor
from llmlens_anthropic.native import NativeTracingStatus, native_tracing_status
from llmlens_anthropic.version import __version__

__all__ = ["AnthropicInstrumentor", "NativeTracingStatus", "__version__", "native_tracing_status"]

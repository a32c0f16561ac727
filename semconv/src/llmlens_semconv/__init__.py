"""llmlens-semconv: the GenAI semantic conventions as code, and the emitter.

Instrumentors import :class:`Emitter`, :class:`Request`, :class:`Response`,
:class:`Usage`, the part builders in :mod:`llmlens_semconv.parts` and the
stream proxies in :mod:`llmlens_semconv.streams`; nothing else.
"""

from llmlens_semconv import names
from llmlens_semconv.content import CaptureMode, ContentPolicy
from llmlens_semconv.emitter import Call, Emitter, span_name_of
from llmlens_semconv.records import Request, Response, Usage

__version__ = "0.1.0"

__all__ = [
    "Call",
    "CaptureMode",
    "ContentPolicy",
    "Emitter",
    "Request",
    "Response",
    "Usage",
    "names",
    "span_name_of",
]

"""What a running instrumentation holds: the emitter, its switches, the SDK
classes it recognises results by, and context flags of the current call."""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass
from typing import Any

from llmlens_semconv import Emitter

ENV_STREAM_USAGE = "LLMLENS_OPENAI_STREAM_USAGE"

# Set while one of our wrappers runs the SDK call, so that an SDK method
# calling another wrapped one (a helper over ``create``) yields one span.
IN_CALL: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "llmlens_openai_in_call", default=False)
# Set by a helper stream manager while it opens its stream: the wrapped
# ``create`` beneath it leaves its stream proxy here for the manager.
HELPER_SLOT: contextvars.ContextVar[list[Any] | None] = contextvars.ContextVar(
    "llmlens_openai_helper_slot", default=None)


def stream_usage_from_env() -> bool:
    return os.environ.get(ENV_STREAM_USAGE, "").strip().lower() in ("1", "true", "yes", "on")


class _Never:
    """Stands for an SDK class a version does not have (isinstance is False)."""


@dataclass(slots=True)
class SdkTypes:
    stream: type = _Never
    async_stream: type = _Never
    legacy_response: type = _Never
    api_response: type = _Never
    async_api_response: type = _Never
    # the three above together: one isinstance for the common case of none
    response_wrappers: tuple[type, ...] = (_Never,)

    @classmethod
    def load(cls) -> SdkTypes:
        """Called once the application imported the SDK (never at start-up)."""
        types = cls()
        try:
            # from the defining module: a resource module imported while the
            # package itself is still initialising (older SDKs) fires first
            from openai._streaming import AsyncStream, Stream

            types.stream, types.async_stream = Stream, AsyncStream
        except ImportError:
            try:
                from openai import AsyncStream, Stream

                types.stream, types.async_stream = Stream, AsyncStream
            except ImportError:
                pass
        try:
            from openai._legacy_response import LegacyAPIResponse

            types.legacy_response = LegacyAPIResponse
        except ImportError:
            pass
        try:
            from openai._response import APIResponse, AsyncAPIResponse

            types.api_response, types.async_api_response = APIResponse, AsyncAPIResponse
        except ImportError:
            pass
        types.response_wrappers = (
            types.legacy_response, types.api_response, types.async_api_response)
        return types


@dataclass(slots=True)
class State:
    emitter: Emitter
    sdk: SdkTypes
    stream_usage: bool = False
    active: bool = True
    sdk_loaded: bool = False

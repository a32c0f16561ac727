"""The ``LLMLENS_OPENAI_STREAM_USAGE`` opt-in: ask the API for the usage of a
streamed chat/legacy completion the caller did not ask usage for, and hide
the extra usage chunk so the caller sees exactly the stream it asked for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from llmlens_openai.values import arg, field

_RAW_HEADER = "x-stainless-raw-response"


def _raw_mode(kwargs: dict[str, Any]) -> bool:
    """with_raw_response / with_streaming_response: the caller may read the
    bytes of the stream, where a chunk cannot be hidden."""
    headers = arg(kwargs, "extra_headers")
    if not isinstance(headers, Mapping):
        return False
    return any(str(k).lower() == _RAW_HEADER for k in headers)


def add_usage_request(kwargs: dict[str, Any]) -> dict[str, Any] | None:
    """New kwargs asking for stream usage, or None to leave the call as is."""
    if not arg(kwargs, "stream") or _raw_mode(kwargs):
        return None
    options = arg(kwargs, "stream_options")
    if field(options, "include_usage") is True:
        return None  # the caller asked for usage: it sees the usage chunk
    merged = dict(options) if isinstance(options, Mapping) else {}
    merged["include_usage"] = True
    return {**kwargs, "stream_options": merged}

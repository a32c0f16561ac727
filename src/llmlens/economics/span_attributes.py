"""Reading and adding span attributes on the per-span hot path.

The SDK's span keeps its attributes in a ``BoundedAttributes`` over a plain
dict. Its public ``get`` raises and catches a KeyError for every missing key,
and each ``set_attributes`` call takes two locks and re-validates every value
(about 2 µs for three values, as much as the rest of the cost hook). The
values we add are already valid attribute values (strings, floats, bools), so
when the span is still writable and no attribute limit could apply, they go
straight into the dict; otherwise through the public call, limits and all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from opentelemetry.attributes import BoundedAttributes


def attribute_getter(span: Any) -> Callable[[str], Any] | None:
    """A fast ``get`` over the span's attributes (the plain dict's when the
    SDK has one, else the public view's)."""
    try:
        raw = span._attributes._dict
    except AttributeError:  # another span class, or another SDK version
        raw = None
    if type(raw) is dict:
        return raw.get
    attributes = getattr(span, "attributes", None)
    return attributes.get if attributes else None


def add_span_attributes(span: Any, values: Mapping[str, Any]) -> None:
    """``span.set_attributes(values)`` for values that need no cleaning:
    strings, bools, ints and floats."""
    try:
        bounded = span._attributes
        writable = (
            type(bounded) is BoundedAttributes
            and span._end_time is None
            and bounded._immutable is False
            # else the SDK drops the oldest attributes and counts them
            and (bounded.maxlen is None or len(bounded._dict) + len(values) <= bounded.maxlen)
            and (bounded.max_value_len is None or _all_within(values, bounded.max_value_len))
        )
    except AttributeError:  # another span class, or another SDK version
        writable = False
    if writable:
        bounded._dict.update(values)
    else:
        span.set_attributes(values)


def _all_within(values: Mapping[str, Any], max_value_len: int) -> bool:
    """No string the SDK would truncate."""
    return not any(type(v) is str and len(v) > max_value_len for v in values.values())

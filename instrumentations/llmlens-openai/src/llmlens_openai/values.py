"""Reading request arguments and SDK objects without caring whether they are
pydantic models, plain dicts, or the SDK's "not given" sentinels."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

# The SDK's sentinels for an argument left out (``NOT_GIVEN``, ``omit``).
_SENTINEL_TYPES = frozenset({"NotGiven", "Omit"})


def given(value: Any) -> bool:
    return value is not None and type(value).__name__ not in _SENTINEL_TYPES


def arg(kwargs: dict[str, Any], name: str) -> Any:
    """A keyword argument, or None when absent or a sentinel."""
    value = kwargs.get(name)
    # inlined given(): read several times per call
    if value is None or type(value).__name__ not in _SENTINEL_TYPES:
        return value
    return None


def field(obj: Any, name: str) -> Any:
    """An attribute of a model or a key of a dict (None when missing)."""
    if obj is None:
        return None
    value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
    # inlined given(): called a dozen times per response
    if value is None or type(value).__name__ not in _SENTINEL_TYPES:
        return value
    return None


def as_int(value: Any) -> int | None:
    if type(value) is int:
        return value
    # bool is an int subclass, and no count
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return None


def as_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return None


def as_str(value: Any) -> str | None:
    if type(value) is str or isinstance(value, str):
        return value
    # enums of the SDK (some versions use them for finish reasons, tiers)
    inner = getattr(value, "value", None)
    return inner if isinstance(inner, str) else None


def items(value: Any) -> Iterable[Any]:
    """A collection argument we may iterate without the SDK noticing: lists,
    tuples and other re-iterable collections. A one-shot iterator (the SDK
    accepts any iterable of messages or tools) is left alone, since reading
    it would leave the SDK with nothing to send."""
    if isinstance(value, (list, tuple)):
        return value
    if value is None or isinstance(value, (str, bytes, dict, Iterator)):
        return ()
    return value if isinstance(value, Iterable) else ()

"""Reading the fields of an SDK response model, or of its JSON body as a
dict, through one mapping: a ``.get`` per field read (a C call) instead of a
helper call and type checks per field, on the path of every call."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

_NO_FIELDS: Mapping[str, Any] = MappingProxyType({})


# type -> whether it is a Mapping: the ABC check costs more than the rest of
# a read, and a process meets few types (bounded all the same)
_is_mapping: dict[type, bool] = {}
_TYPES_REMEMBERED = 256


def fields_of(obj: Any) -> Mapping[str, Any]:
    """The fields of a model or a mapping; an empty mapping for None or for
    an object without fields."""
    if obj is None:
        return _NO_FIELDS
    cls = type(obj)
    is_mapping = _is_mapping.get(cls)
    if is_mapping is None:
        is_mapping = isinstance(obj, Mapping)
        if len(_is_mapping) < _TYPES_REMEMBERED:
            _is_mapping[cls] = is_mapping
    if is_mapping:
        return obj
    # pydantic (v1 and v2) keeps field values in the instance __dict__
    fields = getattr(obj, "__dict__", None)
    if not isinstance(fields, dict):
        return _NO_FIELDS
    # pydantic v2 keeps the fields a model does not declare apart (an older
    # SDK reading a newer API's answer: service_tier on openai 1.66)
    extra = getattr(obj, "__pydantic_extra__", None)
    if extra:
        return {**fields, **extra}
    return fields

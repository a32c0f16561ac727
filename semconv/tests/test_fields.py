from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pydantic

from llmlens_semconv.fields import fields_of


class Model(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="allow")
    id: str
    usage: dict[str, int] | None = None


class ReadOnly(Mapping[str, Any]):
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def test_model_fields_and_undeclared_ones() -> None:
    fields = fields_of(Model.model_validate({"id": "r1", "service_tier": "default"}))
    assert fields.get("id") == "r1"
    assert fields.get("usage") is None
    # a field the model does not declare (an older SDK, a newer API)
    assert fields.get("service_tier") == "default"


def test_mappings_are_read_as_they_are() -> None:
    body = {"id": "r2"}
    assert fields_of(body) is body
    assert fields_of(ReadOnly({"id": "r3"})).get("id") == "r3"


def test_nothing_to_read_gives_an_empty_mapping() -> None:
    assert fields_of(None).get("id") is None
    assert fields_of(42).get("id") is None
    assert fields_of(object()).get("id") is None


def test_many_types_are_still_read_right() -> None:
    # more types than are remembered: the ones past the limit are checked each time
    for i in range(300):
        mapping_type = type(f"M{i}", (ReadOnly,), {})
        record_type = type(f"R{i}", (), {})
        record = record_type()
        record.id = f"r{i}"
        assert fields_of(mapping_type({"id": f"m{i}"})).get("id") == f"m{i}"
        assert fields_of(record).get("id") == f"r{i}"

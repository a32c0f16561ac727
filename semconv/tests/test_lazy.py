"""llmlens_semconv.lazy: patch on import, once, never after a cancel."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from llmlens_semconv import lazy


@pytest.fixture
def module_name(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"llmlens_lazy_probe_{request.node.name}"
    (tmp_path / f"{name}.py").write_text("VALUE = 1\n")
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield name
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop(name, None)


def test_runs_on_import_not_before(module_name: str) -> None:
    seen: list[ModuleType] = []
    handle = lazy.when_imported(module_name, seen.append)
    assert seen == [] and lazy.is_waiting(module_name)
    module = importlib.import_module(module_name)
    assert seen == [module]
    assert handle.state == "done" and not lazy.is_waiting(module_name)


def test_runs_at_once_when_already_imported(module_name: str) -> None:
    module = importlib.import_module(module_name)
    seen: list[ModuleType] = []
    handle = lazy.when_imported(module_name, seen.append)
    assert seen == [module] and handle.state == "done"


def test_cancelled_before_import_never_runs(module_name: str) -> None:
    seen: list[ModuleType] = []
    lazy.when_imported(module_name, lambda m: seen.append(("first", m))).cancel()
    # instrument again before the import: only the live callback runs, once
    lazy.when_imported(module_name, lambda m: seen.append(("second", m)))
    module = importlib.import_module(module_name)
    assert seen == [("second", module)]


def test_cancel_after_run_is_harmless(module_name: str) -> None:
    seen: list[ModuleType] = []
    handle = lazy.when_imported(module_name, seen.append)
    importlib.import_module(module_name)
    handle.cancel()
    assert handle.state == "done" and len(seen) == 1


def test_a_failing_callback_does_not_break_the_import(module_name: str) -> None:
    def boom(module: ModuleType) -> None:
        raise RuntimeError("broken patch")

    seen: list[ModuleType] = []
    lazy.when_imported(module_name, boom)
    lazy.when_imported(module_name, seen.append)
    module = importlib.import_module(module_name)
    assert module.VALUE == 1 and seen == [module]

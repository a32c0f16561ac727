"""Which instrumentors are ours, and whether the library each one instruments
is installed in a version it supports.

Shared by the distro (to warn at start-up) and ``llmlens doctor``. Only the
standard library and ``opentelemetry-instrumentation`` are imported, lazily.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

_log = logging.getLogger(__name__)

INSTRUMENTOR_GROUP = "opentelemetry_instrumentor"

# entry-point name -> the library it instruments (its distribution name)
LLMLENS_INSTRUMENTORS: dict[str, str] = {
    "llmlens_openai": "openai",
    "llmlens_anthropic": "anthropic",
    "llmlens_langchain": "langchain-core",
    "llmlens_llama_index": "llama-index-core",
}

# the distributions one of our instrumentors covers (with their umbrella packages):
# another instrumentor of these would record the same calls twice
COVERED_LIBRARIES: dict[str, frozenset[str]] = {
    "llmlens_openai": frozenset({"openai"}),
    "llmlens_anthropic": frozenset({"anthropic"}),
    "llmlens_langchain": frozenset({"langchain-core", "langchain"}),
    "llmlens_llama_index": frozenset({"llama-index-core", "llama-index"}),
}

# the extra of llmlens that installs each instrumentor
LLMLENS_EXTRAS: dict[str, str] = {
    "llmlens_openai": "openai",
    "llmlens_anthropic": "anthropic",
    "llmlens_langchain": "langchain",
    "llmlens_llama_index": "llama-index",
}


@dataclass(frozen=True)
class LibraryCheck:
    """The outcome of comparing an instrumentor's ``instruments`` extra with
    what is installed."""

    required: str  # e.g. 'openai >= 1.40' (empty when the extra names nothing)
    found: str  # e.g. 'openai 2.3.0' (empty when not installed)
    supported: bool

    @property
    def version_conflict(self) -> bool:
        return bool(self.found) and not self.supported

    @property
    def missing(self) -> bool:
        return not self.found


def disabled_instrumentations(environ: Any) -> set[str]:
    raw = environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "") or ""
    return {name.strip() for name in raw.split(",") if name.strip()}


def instrumentor_entry_points() -> list[Any]:
    from opentelemetry.util._importlib_metadata import entry_points

    return list(entry_points(group=INSTRUMENTOR_GROUP))


def distribution_of(entry_point: Any) -> Any:
    """The distribution that declares ``entry_point`` (None when unknown)."""
    dist = getattr(entry_point, "dist", None)
    if dist is not None:
        return dist
    from importlib.metadata import distributions

    for candidate in distributions():
        for declared in candidate.entry_points:
            if (declared.group, declared.name, declared.value) == (
                entry_point.group, entry_point.name, entry_point.value,
            ):
                return candidate
    return None


def check_library(dist: Any) -> LibraryCheck:
    """Compare the ``instruments`` extra of an instrumentor's distribution with
    the installed library versions, as ``opentelemetry-instrument`` does."""
    conflict = library_conflict(dist)
    if conflict is not None:
        return conflict
    required = ", ".join(instrumented_requirements(dist))
    return LibraryCheck(required, _installed_versions(dist), True)


def library_conflict(dist: Any) -> LibraryCheck | None:
    """The loader's own check alone, one metadata pass: None when
    ``opentelemetry-instrument`` would load the instrumentor."""
    from opentelemetry.instrumentation.dependencies import get_dist_dependency_conflicts

    conflict = get_dist_dependency_conflicts(dist) if dist is not None else None
    if conflict is None:
        return None
    found = conflict.found or ", ".join(conflict.found_any or ())
    return LibraryCheck(", ".join(instrumented_requirements(dist)), found or "", False)


def instrumented_requirements(dist: Any) -> list[str]:
    """The requirement strings of the ``instruments``/``instruments-any`` extras."""
    out: list[str] = []
    for requirement in (getattr(dist, "requires", None) or []):
        head, _, marker = requirement.partition(";")
        if "extra" in marker and ("instruments" in marker):
            out.append(head.strip())
    return out


def instrumented_libraries(dist: Any) -> set[str]:
    """Normalised distribution names an instrumentor's package instruments."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    names: set[str] = set()
    for requirement in instrumented_requirements(dist):
        try:
            names.add(canonicalize_name(Requirement(requirement).name))
        except InvalidRequirement:
            continue
    return names


def _installed_versions(dist: Any) -> str:
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import InvalidRequirement, Requirement

    found = []
    for requirement in instrumented_requirements(dist):
        try:
            name = Requirement(requirement).name
            found.append(f"{name} {version(name)}")
        except (InvalidRequirement, PackageNotFoundError):
            continue
    return ", ".join(found)


def loader_reports_version_conflicts() -> bool:
    """Whether ``opentelemetry-instrument`` itself logs a skipped instrumentor's
    version conflict at ERROR (newer releases do; older ones only at DEBUG):
    then a warning of ours would say it twice, and check every library twice."""
    from opentelemetry.instrumentation.dependencies import DependencyConflict

    return callable(getattr(DependencyConflict, "_log", None))


def warn_about_skipped_instrumentors(environ: Any) -> list[str]:
    """Log a WARNING for each llmlens instrumentor that ``opentelemetry-instrument``
    will skip because the installed library is outside its supported range
    (it only logs that at a level users often do not see). A library that is
    simply not installed is normal and stays quiet. Returns the names warned."""
    disabled = disabled_instrumentations(environ)
    if "*" in disabled or loader_reports_version_conflicts():
        return []
    warned = []
    for entry_point in instrumentor_entry_points():
        if entry_point.name not in LLMLENS_INSTRUMENTORS or entry_point.name in disabled:
            continue
        try:
            # start-up cost: the versions of supported libraries are not needed
            check = library_conflict(distribution_of(entry_point))
        except Exception:  # noqa: BLE001 - a broken metadata file is not fatal
            _log.debug("llmlens: could not check %s", entry_point.name, exc_info=True)
            continue
        if check is not None and check.version_conflict:
            _log.warning(
                "llmlens: instrumentor %s is skipped: it supports %s but %s is installed; "
                "upgrade llmlens or install a supported version to get telemetry for it",
                entry_point.name, check.required, check.found,
            )
            warned.append(entry_point.name)
    return warned


def overlapping_llmlens_instrumentors(entry_point: Any, environ: Any) -> dict[str, set[str]]:
    """For another vendor's instrumentor: which of our installed, enabled
    instrumentors cover a library it instruments too (name -> libraries)."""
    if entry_point.name in LLMLENS_INSTRUMENTORS:
        return {}
    disabled = disabled_instrumentations(environ)
    if "*" in disabled or entry_point.name in disabled:
        return {}
    dist = distribution_of(entry_point)
    libraries = instrumented_libraries(dist) if dist is not None else set()
    if not libraries:
        return {}
    ours = {ep.name for ep in instrumentor_entry_points()
            if ep.name in LLMLENS_INSTRUMENTORS and ep.name not in disabled}
    overlaps = {}
    for name in ours:
        common = libraries & COVERED_LIBRARIES[name]
        if common:
            overlaps[name] = common
    return overlaps

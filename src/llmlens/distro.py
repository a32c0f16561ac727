"""The llmlens distro: the ``opentelemetry_distro`` entry point.

``opentelemetry-instrument`` calls :meth:`LlmlensDistro.configure` before the
configurator and the instrumentors. It only sets defaults in the environment
(what a user expects: OTLP over gRPC for traces, metrics and logs) and warns
about our instrumentors that will be skipped. Importing this module is cheap:
everything heavier is imported where it is used.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from opentelemetry.instrumentation.distro import BaseDistro

_log = logging.getLogger(__name__)

EMBEDDED_TRACE_EXPORTERS = frozenset({"llmlens_console", "llmlens_jsonl"})


def apply_environment_defaults(environ: Any) -> None:
    """Fill the exporter variables the user left unset.

    OTLP for all three signals, like ``opentelemetry-distro``. When the user
    picked only our embedded trace exporters (a machine with no backend),
    metrics and logs default to ``none`` instead of OTLP, so nothing retries
    against a collector that is not there.
    """
    traces = environ.setdefault("OTEL_TRACES_EXPORTER", "otlp")
    chosen = {name.strip() for name in traces.split(",") if name.strip()}
    embedded_only = bool(chosen) and chosen <= EMBEDDED_TRACE_EXPORTERS
    other_default = "none" if embedded_only else "otlp"
    environ.setdefault("OTEL_METRICS_EXPORTER", other_default)
    environ.setdefault("OTEL_LOGS_EXPORTER", other_default)
    environ.setdefault("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")


class LlmlensDistro(BaseDistro):
    """Defaults and instrumentor loading for ``opentelemetry-instrument``."""

    def _configure(self, **kwargs: Any) -> None:
        try:
            apply_environment_defaults(os.environ)
            # with another configurator installed (e.g. beside opentelemetry-distro)
            # the first one found would win: the llmlens distro brings its own
            os.environ.setdefault("OTEL_PYTHON_CONFIGURATOR", "llmlens")
        except Exception:  # noqa: BLE001 - fail open: never break the user's start-up
            _log.warning("llmlens: could not apply default settings", exc_info=True)
        try:
            from llmlens.instrumentors import warn_about_skipped_instrumentors

            warn_about_skipped_instrumentors(os.environ)
        except Exception:  # noqa: BLE001
            _log.debug("llmlens: instrumentor check failed", exc_info=True)

    def load_instrumentor(self, entry_point: Any, **kwargs: Any) -> None:
        """Load one instrumentor; one of ours that fails is reported and skipped
        instead of stopping every instrumentor after it."""
        from llmlens.instrumentors import LLMLENS_INSTRUMENTORS

        if entry_point.name not in LLMLENS_INSTRUMENTORS:
            _warn_if_duplicate(entry_point)
            super().load_instrumentor(entry_point, **kwargs)
            return
        try:
            super().load_instrumentor(entry_point, **kwargs)
        except ImportError:
            raise  # the loader skips it quietly: the library is not installed
        except Exception:  # noqa: BLE001 - fail open
            _log.warning("llmlens: instrumentor %s failed to load and is skipped",
                         entry_point.name, exc_info=True)


def _warn_if_duplicate(entry_point: Any) -> None:
    """Another vendor's instrumentor of a library one of ours covers would
    record every call twice (two spans, tokens and cost counted twice)."""
    try:
        from llmlens.instrumentors import overlapping_llmlens_instrumentors

        overlaps = overlapping_llmlens_instrumentors(entry_point, os.environ)
    except Exception:  # noqa: BLE001 - a check, never a reason to fail
        _log.debug("llmlens: duplicate check failed for %s", entry_point.name, exc_info=True)
        return
    for ours, libraries in sorted(overlaps.items()):
        _log.warning(
            "llmlens: %s also instruments %s, like %s: calls will be recorded twice; "
            "set OTEL_PYTHON_DISABLED_INSTRUMENTATIONS=%s (or %s) to keep one",
            entry_point.name, ", ".join(sorted(libraries)), ours, entry_point.name, ours)

"""The llmlens configurator: the ``opentelemetry_configurator`` entry point.

It builds the tracer, meter and logger providers from the standard ``OTEL_*``
variables, reusing the SDK configurator's helpers for exporter names, OTLP
protocol, sampler and id generator, and adds what the plain configurator
cannot: Views for the GenAI histograms, the ``logging`` bridge, the economics
processors and per-exporter fail-open (a bad value drops that one piece with
a warning; the app always starts).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry.sdk._configuration import _OTelSDKConfigurator

_log = logging.getLogger(__name__)

SIGNALS = ("traces", "metrics", "logs")
_EXPORTER_GROUPS = {
    "traces": "opentelemetry_traces_exporter",
    "metrics": "opentelemetry_metrics_exporter",
    "logs": "opentelemetry_logs_exporter",
}


@dataclass
class Providers:
    tracer_provider: Any
    meter_provider: Any
    logger_provider: Any
    exporter_names: dict[str, list[str]] = field(default_factory=dict)
    log_handler: Any = None


class LlmlensConfigurator(_OTelSDKConfigurator):
    """Configures the SDK for ``opentelemetry-instrument``; never raises."""

    providers: Providers | None = None

    def _configure(self, **kwargs: Any) -> None:
        if os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
            return  # the user switched OpenTelemetry off: set nothing up
        if os.environ.get("OTEL_CONFIG_FILE"):
            # declarative configuration: the SDK's own path, unchanged
            try:
                super()._configure(**kwargs)
            except Exception as exc:  # noqa: BLE001 - fail open
                _log.warning("llmlens: OTEL_CONFIG_FILE could not be applied (%s); "
                             "the app runs without telemetry", exc)
            return
        try:
            providers = build_providers(kwargs.get("auto_instrumentation_version"))
            install_globally(providers)
            LlmlensConfigurator.providers = providers
        except Exception:  # noqa: BLE001 - fail open: the app runs without telemetry
            _log.warning("llmlens: telemetry set-up failed; the app runs without it",
                         exc_info=True)


def build_providers(
    auto_instrumentation_version: str | None = None,
    *,
    extra_metric_readers: Sequence[Any] = (),
    extra_span_processors: Sequence[Any] = (),
    extra_log_processors: Sequence[Any] = (),
) -> Providers:
    """Providers configured from the environment (nothing global is set)."""
    from opentelemetry.sdk._logs import LoggerProvider
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    from llmlens.views import genai_histogram_views

    resource = build_resource(auto_instrumentation_version)
    exporters = {signal: exporter_classes(signal) for signal in SIGNALS}

    # shut down by llmlens.shutdown (in parallel, bounded) rather than each on its own
    tracer_provider = TracerProvider(
        sampler=_sampler(), id_generator=_id_generator(), resource=resource,
        shutdown_on_exit=False)
    for processor in extra_span_processors:
        tracer_provider.add_span_processor(processor)
    for name, exporter_class in exporters["traces"]:
        exporter = _instantiate(name, exporter_class)
        if exporter is not None:
            tracer_provider.add_span_processor(_batching(BatchSpanProcessor, exporter, "BSP"))

    readers = list(extra_metric_readers)
    for name, exporter_class in exporters["metrics"]:
        if issubclass(exporter_class, MetricReader):
            reader = _instantiate(name, exporter_class)
        else:
            exporter = _instantiate(name, exporter_class)
            reader = PeriodicExportingMetricReader(exporter) if exporter is not None else None
        if reader is not None:
            readers.append(reader)
    meter_provider = MeterProvider(
        resource=resource, metric_readers=readers, views=genai_histogram_views(),
        shutdown_on_exit=False)

    logger_provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    for processor in extra_log_processors:
        logger_provider.add_log_record_processor(processor)
    for name, exporter_class in exporters["logs"]:
        exporter = _instantiate(name, exporter_class)
        if exporter is not None:
            logger_provider.add_log_record_processor(
                _batching(BatchLogRecordProcessor, exporter, "BLRP"))

    return Providers(
        tracer_provider, meter_provider, logger_provider,
        exporter_names={signal: [name for name, _ in exporters[signal]] for signal in SIGNALS},
    )


def install_globally(providers: Providers) -> None:
    """Register the providers, bridge ``logging`` and plug in economics."""
    from opentelemetry import metrics, trace
    from opentelemetry._logs import set_logger_provider

    from llmlens.shutdown import register_at_exit

    trace.set_tracer_provider(providers.tracer_provider)
    metrics.set_meter_provider(providers.meter_provider)
    set_logger_provider(providers.logger_provider)
    providers.log_handler = _install_log_bridge(providers.logger_provider)
    _install_economics(providers)
    _install_evaluators(providers)
    register_at_exit(
        (providers.tracer_provider, providers.meter_provider, providers.logger_provider))


def build_resource(auto_instrumentation_version: str | None = None) -> Any:
    """OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (read by the SDK) plus the
    distro's own identity."""
    from opentelemetry.sdk.resources import Resource

    from llmlens import __version__

    attributes: dict[str, Any] = {
        "telemetry.distro.name": "llmlens",
        "telemetry.distro.version": __version__,
    }
    if auto_instrumentation_version:
        attributes["telemetry.auto.version"] = auto_instrumentation_version
    return Resource.create(attributes)


def exporter_names(signal: str) -> list[str]:
    """Entry-point names of the exporters chosen for a signal, with ``otlp``
    resolved by the OTLP protocol variables. An unsupported protocol falls
    back to gRPC with a warning (the SDK would abort the whole set-up)."""
    from opentelemetry.sdk import _configuration as sdk_config

    raw = os.environ.get(sdk_config._EXPORTER_ENV_BY_SIGNAL_TYPE[signal], "")
    if not raw or raw.strip().lower() == "none":
        return []
    names = []
    for name in (part.strip() for part in raw.split(",")):
        if not name or name.lower() == "none":
            continue
        try:
            names.append(sdk_config._get_exporter_entry_point(name, signal))
        except RuntimeError as exc:
            _log.warning("llmlens: %s; using gRPC for %s", exc, signal)
            names.append(sdk_config._EXPORTER_OTLP_PROTO_GRPC if name == "otlp" else name)
    return list(dict.fromkeys(names))


def exporter_classes(signal: str) -> list[tuple[str, type]]:
    """The exporter classes named for a signal; an unknown or broken name is
    dropped with a warning, the others still work."""
    from opentelemetry.sdk import _configuration as sdk_config

    found = []
    for name in exporter_names(signal):
        try:
            found.extend(sdk_config._import_config_components([name], _EXPORTER_GROUPS[signal]))
        except Exception as exc:  # noqa: BLE001 - one bad exporter must not stop the rest
            _log.warning("llmlens: %s exporter %r is unavailable and is ignored (%s)",
                         signal, name, exc)
    return found


def _instantiate(name: str, exporter_class: type) -> Any:
    try:
        return exporter_class()
    except Exception as exc:  # noqa: BLE001
        _log.warning("llmlens: exporter %r could not be created and is ignored (%s: %s)",
                     name, type(exc).__name__, exc)
        return None


# the SDK's own defaults, used when an OTEL_BSP_* / OTEL_BLRP_* value is invalid
_BATCH_DEFAULTS = {
    "max_queue_size": 2048,
    "schedule_delay_millis": 5000,
    "max_export_batch_size": 512,
    "export_timeout_millis": 30000,
}


def _batching(processor_class: type, exporter: Any, prefix: str) -> Any:
    """A batch processor; an invalid ``OTEL_{prefix}_*`` value (which makes the
    SDK raise) falls back to the defaults with a warning."""
    try:
        return processor_class(exporter)
    except ValueError as exc:
        _log.warning("llmlens: invalid OTEL_%s_* setting (%s); using the defaults", prefix, exc)
        return processor_class(exporter, **_BATCH_DEFAULTS)


def _sampler() -> Any:
    from opentelemetry.sdk import _configuration as sdk_config

    try:
        return sdk_config._import_sampler(sdk_config._get_sampler())
    except Exception:  # noqa: BLE001
        _log.warning("llmlens: OTEL_TRACES_SAMPLER is invalid; using the default sampler")
        return None


def _id_generator() -> Any:
    from opentelemetry.sdk import _configuration as sdk_config

    try:
        return sdk_config._import_id_generator(sdk_config._get_id_generator())
    except Exception:  # noqa: BLE001
        _log.warning("llmlens: OTEL_PYTHON_ID_GENERATOR is invalid; using random ids")
        return None


def _install_log_bridge(logger_provider: Any) -> Any:
    from llmlens.logbridge import install, parse_level

    if os.environ.get("LLMLENS_LOG_BRIDGE", "true").strip().lower() in ("false", "0", "no", "off"):
        return None
    try:
        return install(logger_provider, parse_level(os.environ.get("LLMLENS_LOG_LEVEL")))
    except Exception:  # noqa: BLE001
        _log.warning("llmlens: the logging bridge could not be installed", exc_info=True)
        return None


def _install_evaluators(providers: Providers) -> None:
    """The built-in evaluators named by LLMLENS_EVALUATORS (nothing is imported
    when it is unset)."""
    if not os.environ.get("LLMLENS_EVALUATORS"):
        return
    try:
        from llmlens import evaluators

        evaluators.install(providers.tracer_provider)
    except Exception:  # noqa: BLE001
        _log.warning("llmlens: the evaluators could not start", exc_info=True)


def _install_economics(providers: Providers) -> None:
    """Cost, attribution and budgets, when that part of llmlens is present."""
    try:
        from llmlens import economics
    except ImportError:
        return
    except Exception:  # noqa: BLE001
        _log.warning("llmlens: the economics module failed to import", exc_info=True)
        return
    install = getattr(economics, "install", None)
    if install is None:
        return
    try:
        install(providers.tracer_provider, providers.meter_provider, providers.logger_provider)
    except Exception:  # noqa: BLE001
        _log.warning("llmlens: cost and budget tracking could not start", exc_info=True)

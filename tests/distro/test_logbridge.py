"""Python logging -> OpenTelemetry log records, read from an in-memory
exporter; the app's own console output must not change."""

from __future__ import annotations

import io
import logging

import pytest
from opentelemetry import context as otel_context
from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider

from llmlens.logbridge import OpenTelemetryLogHandler, parse_level, severity_of


@pytest.fixture
def pipeline():
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    yield provider, exporter
    provider.shutdown()


@pytest.fixture
def app_logger(pipeline):
    """A logger of its own (not propagating), with only the bridge attached,
    like the root logger of an app that configured no logging."""
    provider, _ = pipeline
    logger = logging.getLogger("bridge.test.app")
    logger.propagate = False
    handler = OpenTelemetryLogHandler(provider)
    logger.addHandler(handler)
    yield logger
    logger.removeHandler(handler)


def _only_the_bridge(logger):
    """The test runner attaches capture handlers of its own during a test:
    drop them so the logger looks like an app's that configured nothing."""
    for other in [h for h in logger.handlers if not isinstance(h, OpenTelemetryLogHandler)]:
        logger.removeHandler(other)


def _records(exporter):
    return [data.log_record for data in exporter.get_finished_logs()]


def test_warning_inside_a_span_carries_its_trace_and_span_ids(pipeline, app_logger):
    _, exporter = pipeline
    tracer = TracerProvider().get_tracer("t")
    with tracer.start_as_current_span("work") as span:
        app_logger.warning("disk %s is full", "/data", extra={"request.id": "r-7"})
    (record,) = _records(exporter)
    assert record.body == "disk /data is full"
    assert record.trace_id == span.get_span_context().trace_id
    assert record.span_id == span.get_span_context().span_id
    assert record.severity_number == SeverityNumber.WARN
    assert record.severity_text == "WARN"
    assert record.attributes["request.id"] == "r-7"
    assert record.attributes["code.function.name"] == (
        "test_warning_inside_a_span_carries_its_trace_and_span_ids")


def test_info_is_not_exported_by_default(pipeline, app_logger):
    _, exporter = pipeline
    app_logger.setLevel(logging.DEBUG)
    app_logger.info("chatty")
    app_logger.error("broken")
    assert [r.body for r in _records(exporter)] == ["broken"]


def test_exception_details_are_attributes(pipeline, app_logger):
    _, exporter = pipeline
    try:
        raise ValueError("bad input")
    except ValueError:
        app_logger.exception("request failed")
    (record,) = _records(exporter)
    assert record.severity_number == SeverityNumber.ERROR
    assert record.attributes["exception.type"] == "ValueError"
    assert record.attributes["exception.message"] == "bad input"
    assert "raise ValueError" in record.attributes["exception.stacktrace"]


def test_records_logged_while_the_sdk_exports_are_not_exported(pipeline, app_logger):
    _, exporter = pipeline
    token = otel_context.attach(otel_context.set_value("suppress_instrumentation", True))
    try:
        app_logger.warning("exporter retrying")
    finally:
        otel_context.detach(token)
    assert _records(exporter) == []


def test_last_resort_output_is_kept_when_the_app_configured_nothing(
        pipeline, app_logger, monkeypatch):
    stream = io.StringIO()
    monkeypatch.setattr(logging, "lastResort", logging.StreamHandler(stream))
    logging.lastResort.setLevel(logging.WARNING)
    _only_the_bridge(app_logger)
    app_logger.warning("printed as before")
    assert stream.getvalue() == "printed as before\n"


def test_no_duplicate_console_output_when_the_app_has_its_own_handler(
        pipeline, app_logger, monkeypatch):
    last_resort = io.StringIO()
    monkeypatch.setattr(logging, "lastResort", logging.StreamHandler(last_resort))
    own = io.StringIO()
    _only_the_bridge(app_logger)
    own_handler = logging.StreamHandler(own)
    app_logger.addHandler(own_handler)
    try:
        app_logger.warning("once")
    finally:
        app_logger.removeHandler(own_handler)
    assert own.getvalue() == "once\n"
    assert last_resort.getvalue() == ""
    assert [r.body for r in _records(pipeline[1])] == ["once"]


def test_basic_config_still_configures_the_console_after_install(pipeline, monkeypatch):
    from llmlens import logbridge

    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    for handler in saved_handlers:
        root.removeHandler(handler)
    saved_fns = (logging.basicConfig,)
    try:
        handler = logbridge.install(pipeline[0])
        stream = io.StringIO()
        logging.basicConfig(stream=stream, format="%(message)s")
        logging.getLogger("bridge.test.basic").warning("to console and OTLP")
        assert stream.getvalue() == "to console and OTLP\n"
        assert handler in root.handlers
        assert [r.body for r in _records(pipeline[1])] == ["to console and OTLP"]
    finally:
        for h in list(root.handlers):
            root.removeHandler(h)
        for h in saved_handlers:
            root.addHandler(h)
        root.setLevel(saved_level)
        logging.basicConfig = saved_fns[0]


def test_level_parsing():
    assert parse_level(None) == logging.WARNING
    assert parse_level("info") == logging.INFO
    assert parse_level("15") == 15
    assert parse_level("loud") == logging.WARNING
    assert severity_of(logging.CRITICAL) == SeverityNumber.FATAL
    assert severity_of(logging.INFO + 1) == SeverityNumber.INFO2

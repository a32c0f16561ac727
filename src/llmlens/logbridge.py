"""Bridge from Python ``logging`` to OpenTelemetry log records.

A handler on the root logger turns records at WARNING and above (by default;
``LLMLENS_LOG_LEVEL`` changes it, ``LLMLENS_LOG_BRIDGE=false`` turns it off)
into OTLP log records carrying the active trace and span ids.

Adding a handler to the root logger would silence Python's "last resort"
handler, which prints warnings to stderr when an app configured no logging.
The bridge keeps that behaviour: the user's console output stays as it was.
"""

from __future__ import annotations

import logging
import threading
import traceback
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.semconv.attributes import code_attributes, exception_attributes

_SUPPRESS_KEY = "suppress_instrumentation"  # set by the SDK while it exports
_DEFAULT_LEVEL = logging.WARNING
_MAX_CACHED_LOGGERS = 1024

# attributes every logging.LogRecord has; anything else came from `extra=`
_STANDARD_RECORD_FIELDS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys()
) | {"message", "asctime", "taskName"}

_SEVERITY_TEXT = {"WARNING": "WARN", "CRITICAL": "FATAL"}


def severity_of(levelno: int) -> SeverityNumber:
    """Python level -> OpenTelemetry severity (levels between named ones keep
    their offset, e.g. 25 -> INFO4 is clamped to the band's last value)."""
    bands = (
        (logging.CRITICAL, SeverityNumber.FATAL),
        (logging.ERROR, SeverityNumber.ERROR),
        (logging.WARNING, SeverityNumber.WARN),
        (logging.INFO, SeverityNumber.INFO),
        (logging.DEBUG, SeverityNumber.DEBUG),
    )
    for floor, base in bands:
        if levelno >= floor:
            return SeverityNumber(min(base.value + (levelno - floor), base.value + 3))
    return SeverityNumber.TRACE


def parse_level(raw: str | None, default: int = _DEFAULT_LEVEL) -> int:
    if not raw:
        return default
    text = raw.strip().upper()
    if text.isdigit():
        return int(text)
    level = logging.getLevelName(text)
    if isinstance(level, int):
        return level
    logging.getLogger(__name__).warning(
        "llmlens: LLMLENS_LOG_LEVEL=%r is not a logging level; using WARNING", raw)
    return default


class OpenTelemetryLogHandler(logging.Handler):
    """Exports ``logging`` records through a LoggerProvider."""

    def __init__(self, logger_provider: Any, level: int = _DEFAULT_LEVEL) -> None:
        super().__init__(level=level)
        self._provider = logger_provider
        self._loggers: dict[str, Any] = {}
        self._busy = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if not getattr(self._busy, "active", False) and not otel_context.get_value(_SUPPRESS_KEY):
            self._busy.active = True
            try:
                self._logger_for(record.name).emit(self._translate(record))
            except Exception:  # noqa: BLE001 - logging must never raise into the app
                pass
            finally:
                self._busy.active = False
        self._print_like_last_resort(record)

    def _logger_for(self, name: str) -> Any:
        logger = self._loggers.get(name)
        if logger is None:
            if len(self._loggers) >= _MAX_CACHED_LOGGERS:
                self._loggers.clear()
            logger = self._provider.get_logger(name or "root")
            self._loggers[name] = logger
        return logger

    def _translate(self, record: logging.LogRecord) -> LogRecord:
        attributes: dict[str, Any] = {
            code_attributes.CODE_FILE_PATH: record.pathname,
            code_attributes.CODE_FUNCTION_NAME: record.funcName,
            code_attributes.CODE_LINE_NUMBER: record.lineno,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD_RECORD_FIELDS and isinstance(value, (str, bool, int, float)):
                attributes[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            exc_type, exc, tb = record.exc_info
            attributes[exception_attributes.EXCEPTION_TYPE] = exc_type.__name__
            if exc is not None:
                attributes[exception_attributes.EXCEPTION_MESSAGE] = str(exc)
            attributes[exception_attributes.EXCEPTION_STACKTRACE] = "".join(
                traceback.format_exception(exc_type, exc, tb))
        return LogRecord(
            timestamp=int(record.created * 1e9),
            context=otel_context.get_current(),
            severity_number=severity_of(record.levelno),
            severity_text=_SEVERITY_TEXT.get(record.levelname, record.levelname),
            body=record.getMessage(),
            attributes=attributes,
        )

    def _print_like_last_resort(self, record: logging.LogRecord) -> None:
        """Print the record as Python would have if this handler were absent:
        through ``logging.lastResort`` when no other handler would see it."""
        last_resort = logging.lastResort
        if last_resort is None or record.levelno < last_resort.level:
            return
        if _other_handler_reaches(record.name, self):
            return
        try:
            last_resort.handle(record)
        except Exception:  # noqa: BLE001
            pass

    def flush(self) -> None:
        pass


def _other_handler_reaches(name: str, ours: logging.Handler) -> bool:
    logger: Any = logging.Logger.manager.loggerDict.get(name) if name != "root" else None
    if not isinstance(logger, logging.Logger):
        logger = logging.getLogger()
    while logger is not None:
        if any(handler is not ours for handler in logger.handlers):
            return True
        if not logger.propagate:
            return False
        logger = logger.parent
    return False


def install(logger_provider: Any, level: int = _DEFAULT_LEVEL) -> OpenTelemetryLogHandler:
    """Attach the bridge to the root logger (replacing an earlier one)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if isinstance(handler, OpenTelemetryLogHandler):
            root.removeHandler(handler)
    handler = OpenTelemetryLogHandler(logger_provider, level)
    root.addHandler(handler)
    _keep_logging_config_working()
    return handler


def _keep_logging_config_working() -> None:
    """``logging.basicConfig()`` does nothing when the root logger already has
    a handler, so the app's own call would silently stop configuring its
    console output. Hide our handler while the app configures logging."""
    import logging.config

    for owner, name in ((logging, "basicConfig"), (logging.config, "dictConfig"),
                        (logging.config, "fileConfig")):
        original = getattr(owner, name)
        if getattr(original, "_llmlens_wrapped", False):
            continue
        setattr(owner, name, _hiding_bridge_during(original))


def _hiding_bridge_during(config_fn: Any) -> Any:
    import functools

    @functools.wraps(config_fn)
    def configure(*args: Any, **kwargs: Any) -> Any:
        root = logging.getLogger()
        ours = [h for h in root.handlers if isinstance(h, OpenTelemetryLogHandler)]
        for handler in ours:
            root.removeHandler(handler)
        try:
            return config_fn(*args, **kwargs)
        finally:
            for handler in ours:
                if handler not in root.handlers:
                    root.addHandler(handler)

    configure._llmlens_wrapped = True  # type: ignore[attr-defined]
    return configure

"""JSON-lines span exporter: one finished span per line, appended to the file
named by ``LLMLENS_JSONL_PATH`` (default ``llmlens-spans.jsonl`` in the
working directory). ``llmlens report FILE`` summarises such a file."""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from typing import IO, Any

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from llmlens.exporters.spandict import span_to_dict

_log = logging.getLogger(__name__)

PATH_VARIABLE = "LLMLENS_JSONL_PATH"
DEFAULT_PATH = "llmlens-spans.jsonl"


class JsonLinesSpanExporter(SpanExporter):
    """Appends spans to a file; the file is opened at the first export, so a
    process that makes no span creates no file."""

    def __init__(self, path: str | None = None) -> None:
        # resolved now: the app may change its working directory later
        self.path = os.path.abspath(path or os.environ.get(PATH_VARIABLE) or DEFAULT_PATH)
        self._file: IO[str] | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._failed = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._closed:
            return SpanExportResult.FAILURE
        try:
            lines = "".join(
                json.dumps(span_to_dict(span), separators=(",", ":"), default=str) + "\n"
                for span in spans
            )
            with self._lock:
                if self._file is None:
                    self._file = _open_for_append(self.path)
                self._file.write(lines)
                self._file.flush()
            return SpanExportResult.SUCCESS
        except Exception as exc:  # noqa: BLE001 - never raise into the SDK's worker
            if not self._failed:
                self._failed = True
                _log.warning("llmlens: cannot write spans to %s (%s)", self.path, exc)
            return SpanExportResult.FAILURE

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            if self._file is not None:
                try:
                    self._file.close()
                except OSError:
                    pass
                self._file = None


def _open_for_append(path: str) -> Any:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    return open(path, "a", encoding="utf-8")

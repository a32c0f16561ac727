"""Which span answered which response id, for evaluations that come later.

A bounded, process-local memory filled by the emitter's call-ended hook, so
``llmlens.evaluate(response_id=...)`` can find its span after it ended.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from opentelemetry.trace import SpanContext

if TYPE_CHECKING:
    from llmlens_semconv import Call, Response

MAX_REMEMBERED = 10_000

_lock = threading.Lock()
_by_response_id: OrderedDict[str, tuple[SpanContext, str | None]] = OrderedDict()


def remember(call: Call, response: Response | None, error_type: str | None) -> None:
    if response is None or not response.id:
        return
    model = response.model or call.request.model
    with _lock:
        _by_response_id[response.id] = (call.span.get_span_context(), model)
        if len(_by_response_id) > MAX_REMEMBERED:
            _by_response_id.popitem(last=False)


def lookup(response_id: str) -> tuple[SpanContext, str | None] | None:
    with _lock:
        return _by_response_id.get(response_id)


def forget_all() -> None:
    with _lock:
        _by_response_id.clear()


def install() -> None:
    from llmlens_semconv import hooks

    hooks.add_call_ended_hook(remember)


"""Attribution onto telemetry: every span gets the whole attribution of the
context it starts in; metrics get only the allow-listed keys."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping

from opentelemetry import context as otel_context
from opentelemetry.sdk.trace import Span, SpanProcessor

from llmlens.economics.context import KEYWORDS, attribution_of
from llmlens.economics.span_attributes import add_span_attributes
from llmlens_semconv import names as n

_log = logging.getLogger(__name__)

METRIC_ATTRIBUTES_ENV = "LLMLENS_METRIC_ATTRIBUTES"
DEFAULT_METRIC_KEYS: tuple[str, ...] = (n.LLMLENS_TEAM, n.LLMLENS_TENANT, n.LLMLENS_FEATURE)

# short names accepted in LLMLENS_METRIC_ATTRIBUTES besides the full ones
_ALIASES: Mapping[str, str] = {
    **KEYWORDS,
    "user": n.USER_ID,
    "session": n.SESSION_ID,
    "conversation": n.GEN_AI_CONVERSATION_ID,
}


def parse_metric_keys(spec: str | None) -> tuple[str, ...]:
    """``"team, tenant, user.id"`` -> attribute names. Unset -> the default;
    empty or ``none`` -> no attribution on metrics; unknown names are ignored."""
    if spec is None:
        return DEFAULT_METRIC_KEYS
    keys: list[str] = []
    for raw in spec.replace(";", ",").split(","):
        name = raw.strip()
        if not name or name.lower() == "none":
            continue
        key = name if name in n.ATTRIBUTION_KEYS else _ALIASES.get(name.lower())
        if key is None:
            _log.warning("%s: unknown attribution key %r ignored", METRIC_ATTRIBUTES_ENV, name)
        elif key not in keys:
            keys.append(key)
    return tuple(keys)


class AttributionSpanProcessor(SpanProcessor):
    """Copies the context's attribution onto every span at its start."""

    enabled = True

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        if not self.enabled:
            return
        try:
            values = attribution_of(parent_context)
            if values:
                add_span_attributes(span, values)
        except Exception:  # noqa: BLE001 - fail open
            _log.debug("attribution failed", exc_info=True)


def metric_attributes_hook(keys: Iterable[str]) -> Callable[[], Mapping[str, str] | None]:
    """A hook for ``llmlens_semconv.hooks.add_metric_attributes_hook`` that
    adds the allow-listed attribution keys of the current context."""
    allowed = tuple(keys)
    # The hook runs for every metric point of a call (and for the cost
    # counter): remember the answer for the last attribution, which calls of
    # one request share. One tuple, replaced whole, so threads never see half
    # an update.
    last: tuple[object, Mapping[str, str] | None] = (None, None)

    def hook() -> Mapping[str, str] | None:
        nonlocal last
        values = attribution_of()
        seen, result = last
        if seen is values:
            return result
        result = {k: values[k] for k in allowed if k in values} if values else None
        last = (values, result)
        return result

    return hook

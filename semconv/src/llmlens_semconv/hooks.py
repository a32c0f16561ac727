"""Extension points the llmlens distro (or a user) plugs into the emitter.

They cost nothing while unset: the emitter calls a hook runner only when
its list (``metric_attribute_hooks`` and the others, read-only outside this
module) is not empty. The emitter depends on the OpenTelemetry API
only, so what needs the SDK or process-wide state (attribution onto metrics,
prompt templates, evaluators) reaches it through these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmlens_semconv.emitter import Call
    from llmlens_semconv.records import Request, Response

MetricAttributesHook = Callable[[], Mapping[str, Any] | None]
SpanStartHook = Callable[["Request"], Mapping[str, Any] | None]
CallEndedHook = Callable[["Call", "Response | None", "str | None"], None]

metric_attribute_hooks: list[MetricAttributesHook] = []
span_start_hooks: list[SpanStartHook] = []
call_ended_hooks: list[CallEndedHook] = []
# Called with the live span after the emitter set its last attributes and just
# before span.end(): the place to add attributes derived from the others (cost).
SpanEndingHook = Callable[[Any], None]
span_ending_hooks: list[SpanEndingHook] = []


def add_span_ending_hook(hook: SpanEndingHook) -> None:
    """Called with a recording GenAI span just before it ends (still writable)."""
    if hook not in span_ending_hooks:
        span_ending_hooks.append(hook)


def span_ending(span: Any) -> None:
    for hook in span_ending_hooks:
        try:
            hook(span)
        except Exception:  # noqa: BLE001 - a hook never breaks a call
            continue


def add_metric_attributes_hook(hook: MetricAttributesHook) -> None:
    """Extra low-cardinality attributes for every GenAI metric point."""
    if hook not in metric_attribute_hooks:
        metric_attribute_hooks.append(hook)


def add_span_start_hook(hook: SpanStartHook) -> None:
    """Extra attributes for a GenAI span, given at its start."""
    if hook not in span_start_hooks:
        span_start_hooks.append(hook)


def add_call_ended_hook(hook: CallEndedHook) -> None:
    """Called after a GenAI span ended (response may be None on failure)."""
    if hook not in call_ended_hooks:
        call_ended_hooks.append(hook)


def remove_hook(hook: Callable[..., Any]) -> None:
    for hooks in (
        metric_attribute_hooks, span_start_hooks, call_ended_hooks, span_ending_hooks,
    ):
        if hook in hooks:
            hooks.remove(hook)


def metric_attributes() -> Mapping[str, Any] | None:
    """What the hooks add to a metric point; read it, never change it (one
    hook's answer comes back as it gave it)."""
    if not metric_attribute_hooks:
        return None
    if len(metric_attribute_hooks) == 1:
        try:
            return metric_attribute_hooks[0]()
        except Exception:  # noqa: BLE001 - a hook never breaks a call
            return None
    merged: dict[str, Any] = {}
    for hook in metric_attribute_hooks:
        try:
            extra = hook()
        except Exception:  # noqa: BLE001 - a hook never breaks a call
            continue
        if extra:
            merged.update(extra)
    return merged


def span_start_attributes(request: Request) -> dict[str, Any] | None:
    if not span_start_hooks:
        return None
    merged: dict[str, Any] = {}
    for hook in span_start_hooks:
        try:
            extra = hook(request)
        except Exception:  # noqa: BLE001 - a hook never breaks a call
            continue
        if extra:
            merged.update(extra)
    return merged


def call_ended(call: Call, response: Response | None, error_type: str | None) -> None:
    for hook in call_ended_hooks:
        try:
            hook(call, response, error_type)
        except Exception:  # noqa: BLE001 - a hook never breaks a call
            continue

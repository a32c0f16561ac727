"""The SDK's own tracing (anthropic 2.x): one call span per API call, on by
default whenever a tracer provider is registered, plus trace-context
propagation on its requests.

Under llmlens a call gets exactly one GenAI span: ours. While one of our
calls is running for a client whose user did not explicitly ask for the
SDK's spans, the SDK is handed a non-recording span that carries our span's
context instead of starting its own: it records nothing, and its requests
still carry the trace context (now of our span), exactly as the client's
``propagation`` setting says.

Explicitly asking means ``ANTHROPIC_OPEN_TELEMETRY=true`` for a client given
no ``open_telemetry`` option, or a client option that enables ``traces``
(``True`` or ``{"enabled": True}``) or names a ``tracer_provider``. Copies of
a client (``with_options``) keep the choice of the client they came from.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace

ENV_NATIVE = "ANTHROPIC_OPEN_TELEMETRY"
ENV_NATIVE_PROPAGATION = "ANTHROPIC_OPEN_TELEMETRY_PROPAGATION"
# set on a client by our option wrapper: True when its user asked for SDK spans
CLIENT_FLAG = "_llmlens_native_spans_requested"

# present in the context while one of our calls runs and the SDK's call span
# is to be replaced by ours
SUPPRESS_KEY = otel_context.create_key("llmlens.anthropic.suppress_native_span")

_state = threading.local()
_instrumented = False


def set_instrumented(value: bool) -> None:
    global _instrumented
    _instrumented = value


def env_requests_spans() -> bool:
    return os.environ.get(ENV_NATIVE, "").strip().lower() == "true"


def option_requests_spans(option: Any) -> bool:
    """Whether a client's ``open_telemetry`` option explicitly asks for spans."""
    if option is None:
        return env_requests_spans()
    if not isinstance(option, Mapping):
        return False
    if option.get("tracer_provider") is not None:
        return True
    traces = option.get("traces")
    if traces is True:
        return True
    return isinstance(traces, Mapping) and traces.get("enabled") is True


def client_requests_spans(client: Any) -> bool:
    flag = getattr(client, CLIENT_FLAG, None)
    if flag is None:  # a client made before instrumentation: the environment decides
        return env_requests_spans()
    return bool(flag)


# --- wrappers around the SDK's client option ---------------------------------

def wrap_copy_option(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    """``_copy_open_telemetry``: a copy given no option inherits the choice."""
    result = wrapped(*args, **kwargs)
    try:
        given = args[0] if args else kwargs.get("open_telemetry")
        if given is None:
            _state.inherit = (result, client_requests_spans(instance))
    except Exception:  # noqa: BLE001 - fail open
        pass
    return result


def wrap_set_option(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    """``_set_open_telemetry``: remember whether the user asked for SDK spans."""
    result = wrapped(*args, **kwargs)
    try:
        option = args[0] if args else kwargs.get("open_telemetry")
        inherited = getattr(_state, "inherit", None)
        _state.inherit = None
        if inherited is not None and inherited[0] is option:
            requested = inherited[1]
        else:
            requested = option_requests_spans(option)
        setattr(instance, CLIENT_FLAG, requested)
    except Exception:  # noqa: BLE001 - fail open
        pass
    return result


def wrap_start_call_span(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
    """``start_api_call_span``: inside one of our calls, our span stands in."""
    if otel_context.get_value(SUPPRESS_KEY) is None:
        return wrapped(*args, **kwargs)
    try:
        span_context = trace.get_current_span().get_span_context()
        if not span_context.is_valid:
            return None
        return trace.NonRecordingSpan(span_context)
    except Exception:  # noqa: BLE001 - fail open: let the SDK do as it would
        return wrapped(*args, **kwargs)


# --- the report for `llmlens doctor` -----------------------------------------

@dataclass(frozen=True)
class NativeTracingStatus:
    sdk_installed: bool
    sdk_version: str | None
    sdk_has_native_tracing: bool
    env_setting: str | None
    # instrumented in this process
    llmlens_instrumented: bool
    # instrumented here, or would be under opentelemetry-instrument (not
    # listed in OTEL_PYTHON_DISABLED_INSTRUMENTATIONS)
    llmlens_active: bool
    explicitly_requested: bool
    native_spans: bool
    propagation: bool
    summary: str


ENTRY_POINT = "llmlens_anthropic"


def _disabled_by_env() -> bool:
    raw = os.environ.get("OTEL_PYTHON_DISABLED_INSTRUMENTATIONS", "")
    names = {name.strip() for name in raw.split(",")}
    return "*" in names or ENTRY_POINT in names


def native_tracing_status(client: Any = None) -> NativeTracingStatus:
    """Whether the anthropic SDK's own call spans are on under llmlens (for
    the whole process, or for ``client`` when given). Never raises."""
    try:
        return _status(client)
    except Exception as exc:  # noqa: BLE001 - a report never breaks its caller
        return NativeTracingStatus(False, None, False, os.environ.get(ENV_NATIVE), _instrumented,
                                   _instrumented, False, False, False,
                                   f"could not inspect the SDK: {exc!r}")


def _status(client: Any) -> NativeTracingStatus:
    import importlib.util

    env = os.environ.get(ENV_NATIVE)
    active = _instrumented or not _disabled_by_env()
    if importlib.util.find_spec("anthropic") is None:
        return NativeTracingStatus(False, None, False, env, _instrumented, active, False, False,
                                   False, "anthropic is not installed")
    import anthropic

    version = getattr(anthropic, "__version__", None)
    has_native = importlib.util.find_spec("anthropic._tracing") is not None
    if client is not None:
        option = getattr(client, "_open_telemetry", None) or {}
        enabled = bool((option.get("traces") or {}).get("enabled", False))
        propagation = bool(option.get("propagation", True))
        requested = client_requests_spans(client)
    else:
        enabled = env is None or env.strip().lower() != "false"
        propagation = os.environ.get(ENV_NATIVE_PROPAGATION, "").strip().lower() != "false"
        requested = env_requests_spans()
    enabled = enabled and has_native
    native_spans = enabled and (requested or not active)
    if not has_native:
        summary = f"anthropic {version} has no built-in tracing: one span per call, llmlens'"
    elif not enabled:
        summary = f"the SDK's own spans are off ({ENV_NATIVE}=false or the client option)"
    elif native_spans and active:
        summary = (f"the SDK's own span is kept beside each llmlens span, as explicitly "
                   f"requested ({ENV_NATIVE}=true or the client option): two spans per call")
    elif native_spans:
        summary = (f"{ENTRY_POINT} is disabled (OTEL_PYTHON_DISABLED_INSTRUMENTATIONS): "
                   "the SDK's own spans are the only ones")
    else:
        summary = ("llmlens replaces the SDK's own call span with its GenAI span; "
                   "trace-context propagation " + ("kept" if propagation else "off"))
    return NativeTracingStatus(
        sdk_installed=True, sdk_version=version, sdk_has_native_tracing=has_native,
        env_setting=env, llmlens_instrumented=_instrumented, llmlens_active=active,
        explicitly_requested=requested, native_spans=native_spans,
        propagation=enabled and propagation, summary=summary,
    )

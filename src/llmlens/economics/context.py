"""Who a call is for: attribution values carried in the OpenTelemetry context.

Values come from W3C baggage entries named exactly like the attributes
(``user.id``, ``session.id``, ``gen_ai.conversation.id``, ``llmlens.team``,
``llmlens.tenant``, ``llmlens.feature``) and from :func:`attribute`. Both live
in the OTel context, which rides on contextvars: every asyncio task and thread
sees only its own values.

:func:`attribute` does not write baggage on purpose: baggage is injected into
every outgoing HTTP request, including the one to the LLM provider, and a user
id has no business leaving the process unless the application put it there.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, TypeVar

from opentelemetry import baggage
from opentelemetry import context as otel_context

from llmlens_semconv import names as n

_API_KEY = otel_context.create_key("llmlens.attribution")
# where the API keeps the baggage mapping in a context (read as is, to cache
# per mapping); without it, baggage.get_all and no cache
_BAGGAGE_KEY: str | None = getattr(baggage, "_BAGGAGE_KEY", None)
_EMPTY: Mapping[str, str] = MappingProxyType({})

# keyword of attribute() -> attribute name
KEYWORDS: Mapping[str, str] = MappingProxyType({
    "user_id": n.USER_ID,
    "session_id": n.SESSION_ID,
    "conversation_id": n.GEN_AI_CONVERSATION_ID,
    "team": n.LLMLENS_TEAM,
    "tenant": n.LLMLENS_TENANT,
    "feature": n.LLMLENS_FEATURE,
})

F = TypeVar("F", bound=Callable[..., Any])


def current_attribution(ctx: otel_context.Context | None = None) -> Mapping[str, str]:
    """The attribution of ``ctx`` (default: the current context): baggage
    entries first, values from :func:`attribute` over them."""
    return MappingProxyType(attribution_of(ctx))


# baggage mapping and attribute() values -> their attribution, keyed by the
# identity of both. Neither is ever changed once in a context (set_baggage and
# attribute() build new ones), and every span and metric point of a request
# sees the same two objects however many contexts derive from its own. Each
# entry holds both objects, so their ids are not reused while it exists.
_CACHE_LIMIT = 1024
_cache: dict[tuple[int, int], tuple[object, object, Mapping[str, str]]] = {}
# the last context asked about and its attribution (a call's span start, its
# metric points and its cost are all read in the same context); one tuple,
# replaced whole, so threads never see half an update
_last: tuple[object, Mapping[str, str]] = (None, _EMPTY)


def attribution_of(ctx: otel_context.Context | None = None) -> Mapping[str, str]:
    """:func:`current_attribution` shared between calls: never mutate it."""
    global _last
    if ctx is None:
        ctx = otel_context.get_current()
    last_ctx, attribution = _last
    if ctx is last_ctx:
        return attribution
    attribution = _attribution(ctx)
    _last = (ctx, attribution)
    return attribution


def _attribution(ctx: otel_context.Context) -> Mapping[str, str]:
    from_api: dict[str, str] | None = ctx.get(_API_KEY)  # type: ignore[assignment]
    entries = ctx.get(_BAGGAGE_KEY) if _BAGGAGE_KEY is not None else baggage.get_all(ctx)
    if not entries:
        return from_api or _EMPTY
    key = (id(entries), id(from_api))
    cached = _cache.get(key)
    if cached is not None and cached[0] is entries and cached[1] is from_api:
        return cached[2]
    merged: dict[str, str] = {}
    for name in n.ATTRIBUTION_KEYS:
        value = entries.get(name)  # type: ignore[attr-defined]
        if value is not None and value != "":
            merged[name] = str(value)
    if from_api:
        merged.update(from_api)
    if _BAGGAGE_KEY is not None:
        if len(_cache) >= _CACHE_LIMIT:
            _cache.clear()
        _cache[key] = (entries, from_api, merged)
    return merged


class attribute:
    """Attribute the LLM calls of a block or function to a user, team, ...

    ::

        with llmlens.attribute(user_id="u-42", team="search"):
            client.chat.completions.create(...)

        @llmlens.attribute(feature="summarize")
        async def summarize(text): ...

    Nested uses add to (and override) the outer values. ``None`` leaves a key
    as it was.
    """

    __slots__ = ("_tokens", "_values")

    def __init__(
        self,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        conversation_id: str | None = None,
        team: str | None = None,
        tenant: str | None = None,
        feature: str | None = None,
    ) -> None:
        given = {
            "user_id": user_id, "session_id": session_id, "conversation_id": conversation_id,
            "team": team, "tenant": tenant, "feature": feature,
        }
        self._values = {KEYWORDS[k]: str(v) for k, v in given.items() if v is not None}
        # The tokens of the active `with` blocks, kept per task/thread (in a
        # context variable): one instance shared by concurrent tasks detaches
        # each task's own token, never another's.
        self._tokens: ContextVar[tuple[object, ...]] = ContextVar("llmlens.attribute", default=())

    def __enter__(self) -> attribute:
        try:
            outer: Mapping[str, str] | None = otel_context.get_value(_API_KEY)  # type: ignore[assignment]
            values = {**outer, **self._values} if outer else dict(self._values)
            token: object = otel_context.attach(otel_context.set_value(_API_KEY, values))
        except Exception:  # noqa: BLE001 - attribution never breaks the user's code
            token = None
        self._tokens.set((*self._tokens.get(), token))
        return self

    def __exit__(self, *exc_info: object) -> None:
        tokens = self._tokens.get()
        if not tokens:
            return
        self._tokens.set(tokens[:-1])
        if tokens[-1] is not None:
            otel_context.detach(tokens[-1])  # type: ignore[arg-type]

    async def __aenter__(self) -> attribute:
        return self.__enter__()

    async def __aexit__(self, *exc_info: object) -> None:
        self.__exit__(*exc_info)

    def __call__(self, func: F) -> F:
        """Use as a decorator: every call of ``func`` runs attributed."""
        if inspect.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                with self:
                    return await func(*args, **kwargs)
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return func(*args, **kwargs)
        return wrapper  # type: ignore[return-value]

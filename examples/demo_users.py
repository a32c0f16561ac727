"""Who a request is for, the way an application would say it: W3C baggage.

The example apps put a user and a team in baggage around each request; the
llmlens distro (or any baggage-reading processor) puts them on the spans. This
is plain OpenTelemetry API, no llmlens code.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import baggage, context


@contextmanager
def acting_as(user_id: str, team: str) -> Iterator[None]:
    """Put the user and team in W3C baggage for every span made inside."""
    ctx = baggage.set_baggage("user.id", user_id)
    ctx = baggage.set_baggage("llmlens.team", team, context=ctx)
    token = context.attach(ctx)
    try:
        yield
    finally:
        context.detach(token)

"""PII and secret redaction for recorded content (configured from the
environment; applied by the content policy)."""

from __future__ import annotations

from collections.abc import Callable


def redactor_from_env() -> Callable[[str], str] | None:
    """The redaction function the environment asks for, or None when off."""
    return None

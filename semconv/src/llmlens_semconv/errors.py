"""``error.type`` values: low-cardinality names for what went wrong."""

from __future__ import annotations

from llmlens_semconv.names import ERROR_TYPE_OTHER


def error_type_of(exc: BaseException | None) -> str:
    """The exception's class name (``RateLimitError``, ``APITimeoutError``,
    ``CancelledError``, ...), or ``_OTHER`` when there is none."""
    if exc is None:
        return ERROR_TYPE_OTHER
    return type(exc).__name__ or ERROR_TYPE_OTHER

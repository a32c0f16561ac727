"""Model aliases and the dated snapshots the real APIs report back for them."""

from __future__ import annotations

_SNAPSHOTS = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-3.5-turbo": "gpt-3.5-turbo-0125",
    "gpt-3.5-turbo-instruct": "gpt-3.5-turbo-instruct",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-opus-4-1": "claude-opus-4-1-20250805",
    "claude-3-5-haiku-latest": "claude-3-5-haiku-20241022",
}

_EMBEDDING_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}


def known_models() -> list[str]:
    return sorted({*_SNAPSHOTS, *_EMBEDDING_DIMENSIONS})


def snapshot_of(model: str) -> str:
    return _SNAPSHOTS.get(model, model)


def embedding_dimensions(model: str, requested: int | None) -> int:
    if requested:
        return requested
    return _EMBEDDING_DIMENSIONS.get(model, 256)

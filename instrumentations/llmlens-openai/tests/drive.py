"""Calling one SDK method the three ways a user can (plain,
``with_raw_response``, ``with_streaming_response``), sync or async, and
consuming what it returns."""

from __future__ import annotations

from typing import Any

PLAIN = "plain"
RAW = "raw"
STREAMING = "streaming_response"
MODES = (PLAIN, RAW, STREAMING)


def resolve(client: Any, path: str) -> tuple[Any, str]:
    *owners, method = path.split(".")
    resource = client
    for name in owners:
        resource = getattr(resource, name)
    return resource, method


def _sync(client: Any, path: str, mode: str, stream: bool, kwargs: dict[str, Any]) -> Any:
    resource, method = resolve(client, path)
    if mode == PLAIN:
        out = getattr(resource, method)(**kwargs)
        return list(out) if stream else out
    if mode == RAW:
        raw = getattr(resource.with_raw_response, method)(**kwargs)
        assert raw.headers["x-request-id"] == "req_test"
        out = raw.parse()
        return list(out) if stream else out
    with getattr(resource.with_streaming_response, method)(**kwargs) as response:
        assert response.headers["x-request-id"] == "req_test"
        out = response.parse()
        return list(out) if stream else out


async def _async(client: Any, path: str, mode: str, stream: bool, kwargs: dict[str, Any]) -> Any:
    resource, method = resolve(client, path)
    if mode == PLAIN:
        out = await getattr(resource, method)(**kwargs)
        return [c async for c in out] if stream else out
    if mode == RAW:
        raw = await getattr(resource.with_raw_response, method)(**kwargs)
        assert raw.headers["x-request-id"] == "req_test"
        out = raw.parse()
        return [c async for c in out] if stream else out
    async with getattr(resource.with_streaming_response, method)(**kwargs) as response:
        assert response.headers["x-request-id"] == "req_test"
        out = await response.parse()
        return [c async for c in out] if stream else out


async def run(client: Any, path: str, mode: str = PLAIN, *, stream: bool = False,
              is_async: bool, **kwargs: Any) -> Any:
    if stream:
        kwargs["stream"] = True
    if is_async:
        return await _async(client, path, mode, stream, kwargs)
    return _sync(client, path, mode, stream, kwargs)

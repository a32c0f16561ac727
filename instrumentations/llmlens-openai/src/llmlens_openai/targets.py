"""The SDK methods we wrap. Each is looked up and wrapped on its own, so a
method one SDK version lacks costs only its own entry."""

from __future__ import annotations

from dataclasses import dataclass

from llmlens_openai.requests import CHAT, COMPLETIONS, EMBEDDINGS, RESPONSES

CALL = "call"
ASYNC_CALL = "async_call"
MANAGER = "manager"


@dataclass(frozen=True, slots=True)
class Target:
    module: str
    cls: str
    method: str
    kind: str
    flavor: str


def _pair(module: str, sync_cls: str, method: str, kind: str, flavor: str = CALL) -> list[Target]:
    async_flavor = ASYNC_CALL if flavor == CALL else flavor
    return [
        Target(module, sync_cls, method, kind, flavor),
        Target(module, "Async" + sync_cls, method, kind, async_flavor),
    ]


_CHAT = "openai.resources.chat.completions"
_BETA_CHAT = "openai.resources.beta.chat.completions"  # parse/stream on older SDKs
_RESPONSES = "openai.resources.responses"

TARGETS: tuple[Target, ...] = (
    *_pair(_CHAT, "Completions", "create", CHAT),
    *_pair(_CHAT, "Completions", "parse", CHAT),
    *_pair(_CHAT, "Completions", "stream", CHAT, MANAGER),
    *_pair(_BETA_CHAT, "Completions", "parse", CHAT),
    *_pair(_BETA_CHAT, "Completions", "stream", CHAT, MANAGER),
    *_pair(_RESPONSES, "Responses", "create", RESPONSES),
    *_pair(_RESPONSES, "Responses", "parse", RESPONSES),
    *_pair(_RESPONSES, "Responses", "stream", RESPONSES, MANAGER),
    *_pair("openai.resources.embeddings", "Embeddings", "create", EMBEDDINGS),
    *_pair("openai.resources.completions", "Completions", "create", COMPLETIONS),
)

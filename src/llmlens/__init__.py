"""llmlens: the OpenTelemetry distro for LLM applications.

The public API is imported lazily so that ``import llmlens`` (which the
distro's start-up does) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> "module:attribute"
_LAZY = {
    "workflow": "llmlens.steps:workflow",
    "agent": "llmlens.steps:agent",
    "tool": "llmlens.steps:tool",
    "retrieval": "llmlens.steps:retrieval",
    "span": "llmlens.steps:span",
    "prompt": "llmlens.prompts:prompt",
    "evaluate": "llmlens.evaluation:evaluate",
    "feedback": "llmlens.evaluation:feedback",
    "attribute": "llmlens.economics.context:attribute",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'llmlens' has no attribute {name!r}")
    module, _, attr = target.partition(":")
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value
    return value


def _remember_responses() -> None:
    # evaluations may name a response id after its span ended
    from llmlens import responses

    responses.install()


_remember_responses()

"""Small LLMs for failure paths (no SDK involved)."""

from __future__ import annotations

from typing import Any

from llama_index.core.base.llms.types import (
    CompletionResponse,
    CompletionResponseGen,
    LLMMetadata,
)
from llama_index.core.llms import CustomLLM
from llama_index.core.llms.callbacks import llm_completion_callback


class BackendDown(RuntimeError):
    """What a provider outage looks like to the caller."""


class FailingLLM(CustomLLM):
    """Fails the call, or its stream after ``fail_after`` chunks."""

    fail_after: int = 0

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="failing-model", is_chat_model=False)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        raise BackendDown("backend unavailable")

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any,
    ) -> CompletionResponseGen:
        def gen() -> CompletionResponseGen:
            text = ""
            for i in range(self.fail_after):
                text += f"t{i} "
                yield CompletionResponse(text=text, delta=f"t{i} ")
            raise BackendDown("stream broke")

        return gen()


class SlowLLM(CustomLLM):
    """Answers after ``delay`` seconds (async), so a caller can cancel it."""

    delay: float = 10.0

    @property
    def metadata(self) -> LLMMetadata:
        return LLMMetadata(model_name="slow-model", is_chat_model=False)

    @llm_completion_callback()
    def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
        return CompletionResponse(text="late")

    @llm_completion_callback()
    async def acomplete(
        self, prompt: str, formatted: bool = False, **kwargs: Any,
    ) -> CompletionResponse:
        import asyncio

        await asyncio.sleep(self.delay)
        return CompletionResponse(text="late")

    @llm_completion_callback()
    def stream_complete(
        self, prompt: str, formatted: bool = False, **kwargs: Any,
    ) -> CompletionResponseGen:
        yield CompletionResponse(text="late", delta="late")

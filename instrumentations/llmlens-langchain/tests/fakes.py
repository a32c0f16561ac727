"""Models, tools and retrievers without any SDK: langchain-core's fakes."""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage
from langchain_core.retrievers import BaseRetriever

USAGE = {"input_tokens": 11, "output_tokens": 7, "total_tokens": 18}


def reply(text: str = "hello there world", **kwargs: Any) -> AIMessage:
    return AIMessage(content=text, usage_metadata=dict(USAGE), **kwargs)


class ToolCallingFake(GenericFakeChatModel):
    """A fake chat model that accepts tools (for agents and graphs)."""

    def bind_tools(self, tools: Any, **kwargs: Any) -> ToolCallingFake:
        return self


def chat_model(*messages: AIMessage, repeat: int = 1) -> GenericFakeChatModel:
    return GenericFakeChatModel(messages=iter(list(messages or [reply()]) * repeat))


class ListRetriever(BaseRetriever):
    docs: list[Document]

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
    ) -> list[Document]:
        return [d for d in self.docs if query.lower() in d.page_content.lower()]

"""A LangChain chain: retrieve context, prompt, call a model that may use a tool, answer.

    export OPENAI_BASE_URL=http://127.0.0.1:PORT/v1   # the mock server; or a real OPENAI_API_KEY
    opentelemetry-instrument python examples/langchain_chain.py

It imports no llmlens code: whatever instrumentation is installed does the tracing.
"""

from __future__ import annotations

import os
from pathlib import Path

from demo_users import acting_as
from langchain_core.documents import Document
from langchain_core.messages import HumanMessage, SystemMessage, ToolMessage
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_core.tools import tool
from langchain_core.vectorstores import InMemoryVectorStore
from langchain_openai import ChatOpenAI, OpenAIEmbeddings

DATA_DIR = Path(__file__).resolve().parent / "data"
MODEL = os.environ.get("OPENAI_MODEL", "gpt-4.1-mini")
EMBEDDING_MODEL = os.environ.get("OPENAI_EMBEDDING_MODEL", "text-embedding-3-small")
QUESTIONS = [
    ("heidi", "platform", "How do budgets work? Check the budget of the search team."),
    ("ivan", "platform", "How is prompt content kept private?"),
]



@tool
def remaining_budget(team: str) -> str:
    """Remaining daily token budget of a team."""
    return f"The {team} team has 120000 tokens left today"


def load_documents() -> list[Document]:
    return [
        Document(page_content=path.read_text(), metadata={"source": path.name})
        for path in sorted(DATA_DIR.glob("*.md"))
    ]


def format_documents(documents: list[Document]) -> str:
    return "\n\n".join(document.page_content for document in documents)


def build_chain(llm_with_tools, retriever):
    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer from this context, using tools when needed:\n{context}"),
            ("human", "{question}"),
        ]
    )
    return (
        {"context": retriever | RunnableLambda(format_documents), "question": RunnablePassthrough()}
        | prompt
        | llm_with_tools
    )


def answer(chain, llm_with_tools, question: str) -> str:
    reply = chain.invoke(question)
    if not reply.tool_calls:
        return str(reply.content)
    messages = [SystemMessage("Answer using the tool results."), HumanMessage(question), reply]
    for call in reply.tool_calls:
        result = remaining_budget.invoke(call["args"])
        messages.append(ToolMessage(content=result, tool_call_id=call["id"]))
    return str(llm_with_tools.invoke(messages).content)


def main() -> None:
    if os.environ.get("OPENAI_BASE_URL"):
        os.environ.setdefault("OPENAI_API_KEY", "mock-key")  # the mock server takes any key
    # check_embedding_ctx_length would fetch a tokenizer from the network: not needed here.
    embeddings = OpenAIEmbeddings(model=EMBEDDING_MODEL, check_embedding_ctx_length=False)
    store = InMemoryVectorStore.from_documents(load_documents(), embeddings)
    retriever = store.as_retriever(search_kwargs={"k": 2})
    llm_with_tools = ChatOpenAI(model=MODEL, temperature=0).bind_tools([remaining_budget])
    chain = build_chain(llm_with_tools, retriever)
    # One runnable around the whole turn, so the tool call and the follow-up share its trace.
    question_answering = RunnableLambda(
        lambda question: answer(chain, llm_with_tools, question), name="question_answering"
    )
    for user_id, team, question in QUESTIONS:
        with acting_as(user_id, team):
            print(f"[{user_id}] {question}\n  -> {question_answering.invoke(question)}")


if __name__ == "__main__":
    main()

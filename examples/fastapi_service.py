"""A FastAPI chat service: ``POST /chat`` calls OpenAI or Anthropic, by model name.

Run it instrumented; the server span of each request parents the LLM span:

    export OPENAI_BASE_URL=http://127.0.0.1:PORT/v1 ANTHROPIC_BASE_URL=http://127.0.0.1:PORT
    opentelemetry-instrument python examples/fastapi_service.py --port 8000
    curl -s localhost:8000/chat -H 'content-type: application/json' \\
         -H 'baggage: user.id=alice,llmlens.team=search' -d '{"message": "Hello"}'

The caller names its user and team in the W3C ``baggage`` header, which the FastAPI
instrumentation puts in the request's context. It imports no llmlens code.
"""

from __future__ import annotations

import argparse
import os
from contextlib import asynccontextmanager

import anthropic
import openai
import uvicorn
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

DEFAULT_MODEL = os.environ.get("OPENAI_MODEL", "gpt-4o-mini")
# The SDKs retry twice by default; 0 lets upstream faults reach the caller as 502s.
MAX_RETRIES = int(os.environ.get("LLM_MAX_RETRIES", "2"))


class ChatRequest(BaseModel):
    message: str
    model: str = DEFAULT_MODEL
    stream: bool = False
    max_tokens: int = 256


class ChatReply(BaseModel):
    answer: str
    model: str
    input_tokens: int
    output_tokens: int


class Clients:
    openai: openai.AsyncOpenAI
    anthropic: anthropic.AsyncAnthropic


clients = Clients()


@asynccontextmanager
async def lifespan(_: FastAPI):
    for base_url, key in (
        ("OPENAI_BASE_URL", "OPENAI_API_KEY"),
        ("ANTHROPIC_BASE_URL", "ANTHROPIC_API_KEY"),
    ):
        if os.environ.get(base_url):
            os.environ.setdefault(key, "mock-key")  # the mock server takes any key
    clients.openai = openai.AsyncOpenAI(max_retries=MAX_RETRIES)
    clients.anthropic = anthropic.AsyncAnthropic(max_retries=MAX_RETRIES)
    yield
    await clients.openai.close()
    await clients.anthropic.close()


app = FastAPI(title="llmlens example chat service", lifespan=lifespan)


async def ask_openai(request: ChatRequest) -> ChatReply:
    messages = [{"role": "user", "content": request.message}]
    if not request.stream:
        completion = await clients.openai.chat.completions.create(
            model=request.model, messages=messages, max_tokens=request.max_tokens
        )
        usage = completion.usage
        return ChatReply(
            answer=completion.choices[0].message.content or "",
            model=completion.model,
            input_tokens=usage.prompt_tokens if usage else 0,
            output_tokens=usage.completion_tokens if usage else 0,
        )
    stream = await clients.openai.chat.completions.create(
        model=request.model,
        messages=messages,
        max_tokens=request.max_tokens,
        stream=True,
        stream_options={"include_usage": True},
    )
    parts, model, input_tokens, output_tokens = [], request.model, 0, 0
    async for chunk in stream:
        model = chunk.model
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
        if chunk.usage:
            input_tokens, output_tokens = chunk.usage.prompt_tokens, chunk.usage.completion_tokens
    return ChatReply(
        answer="".join(parts), model=model, input_tokens=input_tokens, output_tokens=output_tokens
    )


async def ask_anthropic(request: ChatRequest) -> ChatReply:
    arguments = {
        "model": request.model,
        "max_tokens": request.max_tokens,
        "messages": [{"role": "user", "content": request.message}],
    }
    if request.stream:
        async with clients.anthropic.messages.stream(**arguments) as stream:
            message = await stream.get_final_message()
    else:
        message = await clients.anthropic.messages.create(**arguments)
    text = "".join(block.text for block in message.content if block.type == "text")
    return ChatReply(
        answer=text,
        model=message.model,
        input_tokens=message.usage.input_tokens,
        output_tokens=message.usage.output_tokens,
    )


@app.post("/chat")
async def chat(request: ChatRequest) -> ChatReply:
    try:
        if request.model.startswith("claude"):
            return await ask_anthropic(request)
        return await ask_openai(request)
    except (openai.APIStatusError, anthropic.APIStatusError) as exc:
        raise HTTPException(status_code=502, detail=f"upstream {exc.status_code}") from exc
    except (openai.APIConnectionError, anthropic.APIConnectionError) as exc:
        raise HTTPException(status_code=502, detail="upstream connection failed") from exc


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    args = parser.parse_args()
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()

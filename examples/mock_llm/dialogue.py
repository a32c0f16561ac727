"""What the mock model answers, independent of the wire format.

Each API module turns its request into a :class:`Conversation`, asks
:func:`answer` for a :class:`Turn`, and renders that turn in its own shape.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass, field, replace
from typing import Literal

from mock_llm.textgen import arguments_for, count_tokens, reply_words, summary_of_tool_result

ToolMode = Literal["auto", "none", "required"]
Finish = Literal["stop", "length", "tool_call", "stop_sequence"]

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str = ""
    schema: dict = field(default_factory=dict)


@dataclass
class Conversation:
    model: str
    # Every piece of input text in request order, for token counts and cache prefixes.
    segments: list[str]
    last_user_text: str
    # (tool name, result text) when the last turn hands tool results back.
    tool_results: list[tuple[str, str]] = field(default_factory=list)
    tools: list[ToolSpec] = field(default_factory=list)
    tool_mode: ToolMode = "auto"
    forced_tool: str | None = None
    max_tokens: int | None = None
    # Structured output: a JSON schema to fill, or plain JSON mode.
    json_schema: dict | None = None
    json_mode: bool = False
    stop_sequences: list[str] = field(default_factory=list)

    @property
    def input_tokens(self) -> int:
        return sum(count_tokens(text) for text in self.segments)


@dataclass(frozen=True)
class ToolCall:
    name: str
    arguments: dict


@dataclass(frozen=True)
class Turn:
    words: list[str]
    finish: Finish
    tool_call: ToolCall | None = None
    # Hidden thinking of reasoning models, billed and counted within the output tokens.
    reasoning_tokens: int = 0
    stop_sequence: str | None = None

    @property
    def text(self) -> str:
        return " ".join(self.words)

    @property
    def output_tokens(self) -> int:
        tool_tokens = 0
        if self.tool_call is not None:
            tool_tokens = count_tokens(json.dumps(self.tool_call.arguments))
        return len(self.words) + tool_tokens + self.reasoning_tokens


_REASONING_MODEL = re.compile(r"^(o\d|gpt-5)")


def is_reasoning_model(model: str) -> bool:
    return bool(_REASONING_MODEL.match(model))


def answer(conversation: Conversation, seed: int) -> Turn:
    turn = _cut_at_stop_sequence(_visible_answer(conversation, seed), conversation.stop_sequences)
    if is_reasoning_model(conversation.model):
        return replace(turn, reasoning_tokens=8 + len(turn.words))
    return turn


def _visible_answer(conversation: Conversation, seed: int) -> Turn:
    if conversation.json_schema is not None or conversation.json_mode:
        if conversation.json_schema is not None:
            document = arguments_for(conversation.json_schema, conversation.last_user_text)
        else:
            words = reply_words(seed, conversation.model, conversation.last_user_text)
            document = {"answer": " ".join(words)}
        # json.dumps never puts two spaces in a row: splitting on one space round-trips.
        return Turn(words=json.dumps(document).split(" "), finish="stop")
    if conversation.tool_results:
        name, result = conversation.tool_results[-1]
        return _limited(summary_of_tool_result(name, result), conversation.max_tokens)
    tool = _tool_to_call(conversation)
    if tool is not None:
        arguments = arguments_for(tool.schema, conversation.last_user_text)
        lead_in = ["I", "will", "call", f"{tool.name}."]
        return Turn(words=lead_in, finish="tool_call", tool_call=ToolCall(tool.name, arguments))
    words = reply_words(seed, conversation.model, conversation.last_user_text)
    return _limited(words, conversation.max_tokens)


def _cut_at_stop_sequence(turn: Turn, stop_sequences: list[str]) -> Turn:
    """End the text before the first stop sequence it contains, as the APIs do."""
    if turn.tool_call is not None or not stop_sequences:
        return turn
    text = turn.text
    found = [(text.find(stop), stop) for stop in stop_sequences if stop and stop in text]
    if not found:
        return turn
    position, stop = min(found)
    kept = text[:position].rstrip()
    return replace(
        turn, words=kept.split(" ") if kept else [], finish="stop_sequence", stop_sequence=stop
    )


def _limited(words: list[str], max_tokens: int | None) -> Turn:
    if max_tokens is not None and len(words) > max_tokens:
        return Turn(words=words[: max(max_tokens, 0)], finish="length")
    return Turn(words=words, finish="stop")


def _tool_to_call(conversation: Conversation) -> ToolSpec | None:
    if not conversation.tools or conversation.tool_mode == "none":
        return None
    if conversation.forced_tool:
        for tool in conversation.tools:
            if tool.name == conversation.forced_tool:
                return tool
    if conversation.tool_mode == "required":
        return conversation.tools[0]
    prompt_words = set(_WORD.findall(conversation.last_user_text.lower()))
    for tool in conversation.tools:
        if tool.name.lower() in conversation.last_user_text.lower():
            return tool
        name_parts = [part for part in re.split(r"[_\-\s]+", tool.name.lower()) if len(part) > 3]
        if any(part in prompt_words or part + "s" in prompt_words for part in name_parts):
            return tool
    if "tool" in prompt_words or "tools" in prompt_words:
        return conversation.tools[0]
    return None


class PromptCache:
    """Remembers prompt prefixes, as a provider's prompt cache would, bounded in size."""

    def __init__(self, capacity: int = 50_000) -> None:
        self._seen: set[str] = set()
        self._capacity = capacity
        self._lock = threading.Lock()

    @staticmethod
    def _key(model: str, segments: list[str]) -> str:
        hasher = hashlib.sha256(model.encode())
        for segment in segments:
            hasher.update(b"\x1f" + segment.encode())
        return hasher.hexdigest()

    def longest_seen(self, model: str, segments: list[str], cut_points: list[int]) -> int:
        """Tokens in the longest prefix (ending at one of ``cut_points``) seen before."""
        with self._lock:
            for cut in sorted(cut_points, reverse=True):
                if cut > 0 and self._key(model, segments[:cut]) in self._seen:
                    return sum(count_tokens(text) for text in segments[:cut])
        return 0

    def remember(self, model: str, segments: list[str], cut_points: list[int]) -> None:
        with self._lock:
            if len(self._seen) + len(cut_points) > self._capacity:
                self._seen.clear()
            for cut in cut_points:
                if cut > 0:
                    self._seen.add(self._key(model, segments[:cut]))

    def automatic(self, model: str, segments: list[str]) -> int:
        """Cached tokens when every whole-segment prefix is cacheable, the last one excluded."""
        cached = self.longest_seen(model, segments, list(range(1, len(segments))))
        self.remember(model, segments, list(range(1, len(segments) + 1)))
        return cached

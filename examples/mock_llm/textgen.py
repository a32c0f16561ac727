"""Deterministic text: token counts, reply wording, embedding vectors, ids.

A token is a whitespace-separated word: cheap, stable and easy to check by hand.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
import threading

_SENTENCES = (
    "Observability for language models starts with one span per model call.",
    "Every span carries the model, the token usage and the time to first token.",
    "Cost follows from tokens and a price table, so it can be tracked per team.",
    "Streaming answers arrive word by word, which makes latency feel shorter.",
    "Retries after rate limits are normal and should be visible in traces.",
    "A retrieval step finds the passages that ground the final answer.",
    "Budgets turn token usage into alerts before the invoice does.",
    "Redaction keeps personal data out of recorded prompts and completions.",
    "Percentiles tell more about latency than averages ever will.",
    "The same question with the same seed always gets the same answer here.",
)

_WORD = re.compile(r"[A-Za-z0-9]+")


def count_tokens(text: str) -> int:
    return len(text.split())


def digest(*parts: object) -> int:
    joined = "\x1f".join(str(part) for part in parts).encode()
    return int.from_bytes(hashlib.sha256(joined).digest()[:8], "big")


def reply_words(seed: int, model: str, prompt: str) -> list[str]:
    """Between 12 and 40 words chosen by the seed, the model and the prompt."""
    key = digest(seed, model, prompt)
    length = 12 + key % 29
    start = (key >> 8) % len(_SENTENCES)
    words: list[str] = []
    step = 0
    while len(words) < length:
        # 3 is coprime with the number of sentences: no sentence repeats before all are used.
        words.extend(_SENTENCES[(start + 3 * step) % len(_SENTENCES)].split())
        step += 1
    return words[:length]


def summary_of_tool_result(tool_name: str, result: str) -> list[str]:
    excerpt = result.split()[:20]
    return ["According", "to", f"{tool_name},", *excerpt]


def pieces(words: list[str]) -> list[str]:
    """Stream deltas: one word each, the space going before every word but the first."""
    return [word if index == 0 else " " + word for index, word in enumerate(words)]


def embedding(text: str, dimensions: int) -> list[float]:
    """A unit vector by feature hashing of the words, so shared words mean similarity."""
    vector = [0.0] * dimensions
    for word in _WORD.findall(text.lower()):
        key = digest("embedding", word)
        vector[key % dimensions] += 1.0 if (key >> 32) & 1 else -1.0
    norm = math.sqrt(sum(value * value for value in vector))
    if norm == 0.0:
        vector[0] = 1.0
        return vector
    return [round(value / norm, 6) for value in vector]


def embedding_base64(vector: list[float]) -> str:
    import base64

    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def argument_value(name: str, schema: dict, prompt: str) -> object:
    """A plausible value for one JSON-schema property, taken from the prompt when possible."""
    if schema.get("enum"):
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if kind == "integer":
        return 3
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [argument_value(name, schema.get("items", {}), prompt)]
    if kind == "object":
        return arguments_for(schema, prompt)
    return _string_from_prompt(name, prompt)


_STOPWORDS = {"the", "a", "an", "my", "our", "this", "that", "of", "for", "in", "is", "what"}


def _string_from_prompt(name: str, prompt: str) -> str:
    """The word next to the property's name ("the search team"), else a proper noun."""
    words = re.findall(r"[A-Za-z0-9']+|[.?!]", prompt)
    for index, word in enumerate(words):
        if word.lower() != name.lower():
            continue
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(words) and words[neighbour].lower() not in _STOPWORDS:
                if words[neighbour] not in ".?!":
                    return words[neighbour]
    # A capitalized word that does not start a sentence is likely a name.
    names = [
        word
        for index, word in enumerate(words)
        if word[0].isupper() and index > 0 and words[index - 1] not in ".?!"
    ]
    if names:
        return names[-1]
    longer = [word for word in words if len(word) > 3]
    return longer[-1] if longer else "example"


def arguments_for(schema: dict, prompt: str) -> dict:
    properties = schema.get("properties") or {}
    required = schema.get("required") or list(properties)
    return {name: argument_value(name, properties.get(name, {}), prompt) for name in required}


class IdFactory:
    """Ids shaped like the real ones, the same sequence for the same seed."""

    _ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

    def __init__(self, seed: int) -> None:
        self._seed = seed
        self._counter = 0
        self._lock = threading.Lock()

    def new(self, prefix: str, length: int = 24) -> str:
        with self._lock:
            self._counter += 1
            counter = self._counter
        raw = hashlib.sha256(f"{self._seed}:{prefix}:{counter}".encode()).digest()
        chars = [self._ALPHABET[byte % len(self._ALPHABET)] for byte in raw]
        return prefix + "".join(chars)[:length]

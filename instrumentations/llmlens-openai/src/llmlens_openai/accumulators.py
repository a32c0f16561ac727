"""Fold streamed chunks into what the span needs.

Per chunk this keeps only ids, finish reasons and usage; text and tool-call
fragments are kept only when content capture is on.
"""

from __future__ import annotations

from typing import Any

from llmlens_openai import content
from llmlens_openai.results import (
    chat_usage,
    openai_extra,
    responses_response,
)
from llmlens_semconv import Response
from llmlens_semconv import names as n


class _ChoiceText:
    """Content of one streamed choice (only built when capturing content)."""

    __slots__ = ("refusal", "text", "tool_calls")

    def __init__(self) -> None:
        self.text: list[str] = []
        self.refusal: list[str] = []
        self.tool_calls: dict[int, dict[str, Any]] = {}

    def add_chat_delta(self, delta: Any) -> None:
        if delta is None:
            return
        text = getattr(delta, "content", None)
        if text:
            self.text.append(text)
        refusal = getattr(delta, "refusal", None)
        if refusal:
            self.refusal.append(refusal)
        for call in getattr(delta, "tool_calls", None) or ():
            slot = self.tool_calls.setdefault(
                getattr(call, "index", 0) or 0, {"id": None, "name": "", "arguments": []})
            if getattr(call, "id", None):
                slot["id"] = call.id
            function = getattr(call, "function", None)
            if function is not None:
                if getattr(function, "name", None):
                    slot["name"] = function.name
                if getattr(function, "arguments", None):
                    slot["arguments"].append(function.arguments)

    def as_message(self) -> dict[str, Any]:
        return {
            "content": "".join(self.text) or None,
            "refusal": "".join(self.refusal) or None,
            "tool_calls": [
                {"id": c["id"], "function": {"name": c["name"],
                                             "arguments": "".join(c["arguments"])}}
                for _, c in sorted(self.tool_calls.items())
            ],
        }


class ChatChunks:
    """Chunks of ``chat.completions.create(stream=True)`` or of a legacy
    ``completions.create(stream=True)`` (``text`` instead of ``delta``)."""

    __slots__ = (
        "_capture", "_choices", "_count", "_hide_usage", "_legacy", "_reasons", "_source",
        "id", "model", "usage",
    )

    def __init__(self, *, capture: bool, hide_usage_chunk: bool, legacy: bool = False) -> None:
        self._capture = capture
        self._hide_usage = hide_usage_chunk
        self._legacy = legacy
        self._reasons: dict[int, str] = {}
        self._choices: dict[int, _ChoiceText] = {}
        self._count = 0
        self._source: Any = None
        self.id: str | None = None
        self.model: str | None = None
        self.usage: Any = None

    def add(self, chunk: Any) -> bool:
        if self.id is None:
            self.id = getattr(chunk, "id", None)
            self.model = getattr(chunk, "model", None)
            self._source = chunk
        usage = getattr(chunk, "usage", None)
        if usage is not None:
            self.usage = usage
        choices = getattr(chunk, "choices", None)
        if not choices:
            # the extra usage-only chunk we asked for on the caller's behalf
            return self._hide_usage and usage is not None
        if getattr(chunk, "system_fingerprint", None) or getattr(chunk, "service_tier", None):
            self._source = chunk
        for choice in choices:
            index = getattr(choice, "index", 0) or 0
            if index >= self._count:
                self._count = index + 1
            reason = getattr(choice, "finish_reason", None)
            if reason is not None:
                self._reasons[index] = reason
            if self._capture:
                text = self._choices.get(index)
                if text is None:
                    text = self._choices[index] = _ChoiceText()
                if self._legacy:
                    if getattr(choice, "text", None):
                        text.text.append(choice.text)
                else:
                    text.add_chat_delta(getattr(choice, "delta", None))
        return False

    def response(self) -> Response:
        reasons = [
            str(getattr(self._reasons.get(i), "value", self._reasons.get(i)))
            if i in self._reasons else n.FINISH_REASON_ERROR
            for i in range(self._count)
        ]
        response = Response(
            id=self.id, model=self.model, finish_reasons=reasons or None,
            usage=chat_usage(self.usage), extra=openai_extra(self._source),
        )
        if self._capture:
            response.output_messages = [
                content.chat_output(
                    self._choices[i].as_message() if i in self._choices else None,
                    reasons[i])
                for i in range(self._count)
            ]
        return response


class ResponseEvents:
    """Events of ``responses.create(stream=True)``: the last ``Response``
    snapshot they carry (created, in_progress, completed, failed, ...)."""

    __slots__ = ("_capture", "_last")

    def __init__(self, *, capture: bool) -> None:
        self._capture = capture
        self._last: Any = None

    def add(self, event: Any) -> bool:
        snapshot = getattr(event, "response", None)
        if snapshot is not None:
            self._last = snapshot
        return False

    def response(self) -> Response | None:
        if self._last is None:
            return None
        return responses_response(self._last, self._capture)

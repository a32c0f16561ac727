"""Folds the raw server-sent events of a Messages stream into a response.

Robust to any order of events: a delta before its ``content_block_start``,
unknown event or delta types, a missing ``message_delta``. Without content
capture it looks at ``message_start`` and ``message_delta`` only.
"""

from __future__ import annotations

from typing import Any

from llmlens_anthropic import content as c
from llmlens_anthropic import mapping
from llmlens_semconv import Response, parts


class _Block:
    __slots__ = ("kind", "name", "call_id", "chunks", "start")

    def __init__(self, kind: str | None, start: Any = None) -> None:
        self.kind = kind
        self.start = start
        self.name: str | None = None
        self.call_id: str | None = None
        self.chunks: list[str] = []

    def part(self) -> dict[str, Any] | None:
        text = "".join(self.chunks)
        if self.kind == "text":
            return parts.text(text)
        if self.kind == "thinking":
            return parts.reasoning(text)
        if self.kind in ("tool_use", "server_tool_use") or (self.kind is None and self.name):
            arguments = c.parse_tool_input(text) if self.chunks else c.field(self.start, "input")
            if self.kind == "server_tool_use":
                return parts.generic(
                    "server_tool_call", id=self.call_id, name=self.name or "",
                    server_tool_call={"type": self.name or "", "input": arguments})
            return parts.tool_call(self.name or "", arguments, self.call_id)
        if self.start is not None:
            return c.block_part(self.start)
        return parts.text(text) if text else None


_DELTA_TEXT_FIELDS = {
    "text_delta": "text",
    "thinking_delta": "thinking",
    "input_json_delta": "partial_json",
}
_DELTA_KIND = {"text_delta": "text", "thinking_delta": "thinking", "input_json_delta": "tool_use"}


class MessageAccumulator:
    """The ``Accumulator`` of :mod:`llmlens_semconv.streams` for Messages events."""

    __slots__ = (
        "_capture", "_id", "_model", "_stop_reason", "_start_usage", "_delta_usage", "_blocks",
    )

    def __init__(self, *, capture: bool) -> None:
        self._capture = capture
        self._id: str | None = None
        self._model: str | None = None
        self._stop_reason: Any = None
        self._start_usage: Any = None
        self._delta_usage: Any = None
        self._blocks: dict[int, _Block] | None = {} if capture else None

    def add(self, event: Any) -> None:
        kind = getattr(event, "type", None)
        if kind is None and isinstance(event, dict):
            kind = event.get("type")
        if kind == "content_block_delta":
            if self._blocks is not None:
                self._delta(event)
        elif kind == "message_start":
            message = c.field(event, "message")
            self._id = c.field(message, "id")
            self._model = c.field(message, "model")
            self._start_usage = c.field(message, "usage")
        elif kind == "message_delta":
            self._stop_reason = c.field(c.field(event, "delta"), "stop_reason")
            usage = c.field(event, "usage")
            if usage is not None:
                self._delta_usage = usage
        elif kind == "content_block_start" and self._blocks is not None:
            index = c.field(event, "index")
            block = c.field(event, "content_block")
            entry = self._blocks.get(index)
            if entry is None:
                entry = self._blocks[index] = _Block(c.field(block, "type"), block)
            else:  # a delta came first: keep its text, learn what the block is
                entry.kind = c.field(block, "type") or entry.kind
                entry.start = block
            entry.name = c.field(block, "name")
            entry.call_id = c.field(block, "id")
        # anything else (content_block_stop, message_stop, ping, unknown) carries
        # nothing the telemetry needs
        return None

    def _delta(self, event: Any) -> None:
        delta = c.field(event, "delta")
        delta_type = c.field(delta, "type")
        text_field = _DELTA_TEXT_FIELDS.get(delta_type)
        if text_field is None:
            return
        value = c.field(delta, text_field)
        if not isinstance(value, str):
            return
        index = c.field(event, "index")
        assert self._blocks is not None
        entry = self._blocks.get(index)
        if entry is None:
            entry = self._blocks[index] = _Block(_DELTA_KIND[delta_type])
        entry.chunks.append(value)

    def _usage(self) -> Any:
        start, delta = self._start_usage, self._delta_usage
        if start is None and delta is None:
            return None

        def pick(name: str) -> Any:
            value = c.field(delta, name) if delta is not None else None
            return value if value is not None else c.field(start, name)

        details = c.field(delta, "output_tokens_details") if delta is not None else None
        return mapping.make_usage(
            mapping._int(pick("input_tokens")),
            # output tokens only once the final count arrived: the start event's
            # count is a placeholder, not what the call produced
            mapping._int(c.field(delta, "output_tokens")) if delta is not None else None,
            mapping._int(pick("cache_read_input_tokens")),
            mapping._int(pick("cache_creation_input_tokens")),
            mapping._int(c.field(details, "thinking_tokens")) if details is not None else None,
        )

    def response(self) -> Response:
        finish = mapping.finish_reason_of(self._stop_reason)
        response = Response(
            id=self._id if isinstance(self._id, str) else None,
            model=self._model if isinstance(self._model, str) else None,
            finish_reasons=[finish] if finish else None,
            usage=self._usage(),
        )
        if self._blocks is not None:
            block_parts = []
            for index in sorted(self._blocks, key=lambda i: i if isinstance(i, int) else 0):
                part = self._blocks[index].part()
                if part is not None:
                    block_parts.append(part)
            response.output_messages = [parts.message("assistant", block_parts,
                                                      finish_reason=finish)]
        return response

    def error_type(self, exc: BaseException) -> str:
        return mapping.error_type(exc)

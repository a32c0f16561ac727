"""The policy as the emitter applies it: read back from the exported spans,
events and logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from llmlens_semconv import CaptureMode, ContentPolicy, Emitter, Request, Response, Usage, parts
from llmlens_semconv import names as n
from llmlens_semconv.redaction import redactor_from_env
from llmlens_semconv.streams import AsyncStreamProxy, StreamProxy
from llmlens_semconv.testing import Telemetry, iter_all_text

MARKER = "ZQXJ-private-marker"
API_KEY = "sk-" + "proj-" + "Zk9" * 16
ORG_ID = "org-" + "Wq7Lm2" * 4
PROJECT_ID = "proj_" + "Pq8Rt3" * 4
CHAT = dict(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI, model="gpt-4o-mini")

MakeEmitter = Callable[..., Emitter]


@pytest.fixture
def capture(telemetry: Telemetry) -> Callable[[CaptureMode], Emitter]:
    def make(mode: CaptureMode, **policy: Any) -> Emitter:
        policy.setdefault("redact", redactor_from_env({}))
        return Emitter("llmlens-privacy", "0", **telemetry.providers(),
                       content=ContentPolicy(mode=mode, **policy))

    return make


def exported_text(telemetry: Telemetry) -> str:
    return "\n".join(iter_all_text(telemetry)) + "\n" + "\n".join(
        json.dumps(dict(r.attributes or {}), default=str) for r in telemetry.logs())


def every_kind_of_content(text: str) -> tuple[Request, Response]:
    request = Request(
        **CHAT,
        system_instructions=[parts.text(f"system {text}")],
        input_messages=[
            parts.message("user", [parts.text(f"user {text}")]),
            parts.message("assistant", [parts.tool_call("lookup", {"q": f"args {text}"}, "c1")]),
            parts.message("tool", [parts.tool_call_response(f"result {text}", "c1")]),
        ],
        tool_definitions=[parts.tool_definition(
            "lookup", description=f"desc {text}",
            parameters={"type": "object", "properties": {"q": {"description": text}}})],
    )
    response = Response(
        id="r1", model="gpt-4o-mini", finish_reasons=["stop"],
        usage=Usage(input_tokens=10, output_tokens=5),
        output_messages=[parts.message("assistant", [
            parts.text(f"answer {text}"), parts.reasoning(f"thought {text}")],
            finish_reason="stop")],
    )
    return request, response


def run_all_operations(emitter: Emitter, text: str) -> None:
    request, response = every_kind_of_content(text)
    emitter.start(request).finish(response)
    emitter.start(Request(operation=n.OP_EXECUTE_TOOL, tool_name="lookup",
                          tool_call_arguments={"q": f"args {text}"})).finish(
        Response(tool_call_result={"rows": [f"result {text}"]}))
    emitter.start(Request(operation=n.OP_RETRIEVAL, data_source_id="idx",
                          retrieval_query=f"query {text}")).finish(
        Response(retrieval_documents=[{"id": "d1", "content": f"doc {text}"}]))
    emitter.start(Request(operation=n.OP_EMBEDDINGS, provider=n.PROVIDER_OPENAI,
                          model="text-embedding-3-small",
                          input_messages=[parts.message("user", [parts.text(text)])])).finish(
        Response(embedding_dimension=3))


def test_content_off_no_marker_anywhere(emitter: Emitter, telemetry: Telemetry) -> None:
    run_all_operations(emitter, MARKER)
    assert len(telemetry.spans()) == 4
    text = exported_text(telemetry)
    assert MARKER not in text
    # tool names and types are recorded whatever the mode
    assert "lookup" in text


@pytest.mark.parametrize("mode", [CaptureMode.SPAN_ONLY, CaptureMode.EVENT_ONLY,
                                  CaptureMode.SPAN_AND_EVENT])
def test_content_on_is_recorded_and_redacted_everywhere(
    capture: Callable[..., Emitter], telemetry: Telemetry, mode: CaptureMode,
) -> None:
    run_all_operations(capture(mode), "write to carol@example.org")
    text = exported_text(telemetry)
    assert "carol@example.org" not in text
    for where in ("system", "user", "args", "result", "answer", "thought", "query", "doc"):
        assert f"{where} write to <EMAIL>" in text, where


def test_event_carries_structured_redacted_content(
    capture: Callable[..., Emitter], telemetry: Telemetry,
) -> None:
    request, response = every_kind_of_content("card 4111 1111 1111 1111")
    capture(CaptureMode.EVENT_ONLY).start(request).finish(response)
    (record,) = telemetry.logs()
    messages = record.attributes[n.GEN_AI_INPUT_MESSAGES]
    assert messages[0]["parts"][0]["content"] == "user card <CREDIT_CARD>"
    out = record.attributes[n.GEN_AI_OUTPUT_MESSAGES]
    assert out[0]["parts"][0]["content"] == "answer card <CREDIT_CARD>"


def test_span_attribute_is_json_with_redacted_parts(
    capture: Callable[..., Emitter], telemetry: Telemetry,
) -> None:
    request, response = every_kind_of_content("ip 10.1.2.3")
    capture(CaptureMode.SPAN_ONLY).start(request).finish(response)
    attrs = telemetry.span().attributes
    messages = json.loads(attrs[n.GEN_AI_INPUT_MESSAGES])
    assert messages[1]["parts"][0]["arguments"] == {"q": "args ip <IP_ADDRESS>"}
    assert json.loads(attrs[n.GEN_AI_SYSTEM_INSTRUCTIONS]) == [
        {"type": "text", "content": "system ip <IP_ADDRESS>"}]


def test_credentials_never_recorded_even_with_capture_on(
    capture: Callable[..., Emitter], telemetry: Telemetry,
) -> None:
    secrets = (f"my key is {API_KEY}, org {ORG_ID}, project {PROJECT_ID}; "
               f"curl -H 'Authorization: Bearer {API_KEY}'")
    request, response = every_kind_of_content(secrets)
    request.tool_call_arguments = {"api_key": "plain-looking-value", "headers": {
        "Authorization": "Basic dXNlcjpwYXNz", "OpenAI-Organization": ORG_ID}}
    capture(CaptureMode.SPAN_AND_EVENT).start(request).finish(response)
    emitter = capture(CaptureMode.SPAN_AND_EVENT)
    emitter.start(Request(operation=n.OP_EXECUTE_TOOL, tool_name="http",
                          tool_call_arguments={"headers": {"authorization": f"Bearer {API_KEY}",
                                                           "x-api-key": API_KEY}})).finish(
        Response(tool_call_result=f"echo {secrets}"))
    text = exported_text(telemetry)
    for secret in (API_KEY, ORG_ID, PROJECT_ID, "plain-looking-value", "dXNlcjpwYXNz"):
        assert secret not in text
    assert "<API_KEY>" in text and "<ORGANIZATION_ID>" in text and "<PROJECT_ID>" in text


def test_stream_assembled_text_is_redacted(
    capture: Callable[..., Emitter], telemetry: Telemetry,
) -> None:
    # the address only exists once the chunks are joined
    chunks = ["reach me at da", "ve.smith@exam", "ple.com or +1 415", " 555 0134"]

    class Accumulator:
        def __init__(self) -> None:
            self.text: list[str] = []

        def add(self, chunk: str) -> None:
            self.text.append(chunk)

        def response(self) -> Response:
            return Response(output_messages=[
                parts.message("assistant", [parts.text("".join(self.text))])])

    emitter = capture(CaptureMode.SPAN_AND_EVENT)
    call = emitter.start(Request(**CHAT, stream=True))
    assert list(StreamProxy(iter(chunks), call, Accumulator())) == chunks
    value = json.loads(telemetry.span().attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert value[0]["parts"][0]["content"] == "reach me at <EMAIL> or <PHONE>"
    (record,) = telemetry.logs()
    assert record.attributes[n.GEN_AI_OUTPUT_MESSAGES][0]["parts"][0]["content"] == (
        "reach me at <EMAIL> or <PHONE>")


async def test_async_stream_assembled_text_is_redacted(
    capture: Callable[..., Emitter], telemetry: Telemetry,
) -> None:
    class Source:
        def __aiter__(self) -> Source:
            self.items = iter(["token: ghp_", "a1B2" * 9, " done"])
            return self

        async def __anext__(self) -> str:
            try:
                return next(self.items)
            except StopIteration:
                raise StopAsyncIteration from None

    class Accumulator:
        def __init__(self) -> None:
            self.text = ""

        def add(self, chunk: str) -> None:
            self.text += chunk

        def response(self) -> Response:
            return Response(output_messages=[
                parts.message("assistant", [parts.text(self.text)])])

    call = capture(CaptureMode.SPAN_ONLY).start(Request(**CHAT, stream=True))
    seen = [c async for c in AsyncStreamProxy(Source(), call, Accumulator())]
    assert len(seen) == 3
    value = json.loads(telemetry.span().attributes[n.GEN_AI_OUTPUT_MESSAGES])
    assert value[0]["parts"][0]["content"] == "token: <API_KEY> done"


def test_huge_prompt_stays_within_the_bound_on_span_and_event(
    capture: Callable[..., Emitter], telemetry: Telemetry,
) -> None:
    emitter = capture(CaptureMode.SPAN_AND_EVENT, max_length=4096)
    image = "data:image/png;base64," + "iVBORw0KGgo" * 50_000
    emitter.start(Request(**CHAT, input_messages=[
        parts.message("user", [parts.text("q " * 200_000), parts.uri(image, "image")])
        for _ in range(5)])).finish(Response())
    value = telemetry.span().attributes[n.GEN_AI_INPUT_MESSAGES]
    assert len(value) <= 4096
    assert len(json.loads(value)) == 5
    (record,) = telemetry.logs()
    event_value = record.attributes[n.GEN_AI_INPUT_MESSAGES]
    assert len(json.dumps(event_value, ensure_ascii=False, separators=(",", ":"))) <= 4096
    assert "iVBORw0KGgo" not in exported_text(telemetry)


def test_a_failing_detector_withholds_content_and_the_call_goes_on(
    telemetry: Telemetry, caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(text: str) -> str:
        raise RuntimeError("detector down")

    base = redactor_from_env({})
    assert base is not None
    from llmlens_semconv.redaction import Redactor

    policy = ContentPolicy(CaptureMode.SPAN_ONLY,
                           redact=Redactor(base.rules, [("broken", broken)]))
    emitter = Emitter("llmlens-privacy", "0", **telemetry.providers(), content=policy)
    with caplog.at_level(logging.WARNING):
        emitter.start(Request(**CHAT, input_messages=[
            parts.message("user", [parts.text(MARKER)])])).finish(Response())
    value = json.loads(telemetry.span().attributes[n.GEN_AI_INPUT_MESSAGES])
    assert value[0]["parts"][0]["content"] == "<REDACTION_FAILED>"
    assert MARKER not in exported_text(telemetry)


class RateLimited(Exception):
    status_code = 429


def test_error_message_is_content_withheld_when_off(emitter: Emitter, telemetry: Telemetry) -> None:
    emitter.start(Request(operation=n.OP_EXECUTE_TOOL, tool_name="lookup")).fail(
        ValueError(f"no result for {MARKER}"))
    assert telemetry.span().status.description == "ValueError"
    assert telemetry.span().attributes[n.ERROR_TYPE] == "ValueError"
    assert MARKER not in exported_text(telemetry)


def test_network_and_api_error_messages_are_kept_when_off(
    emitter: Emitter, telemetry: Telemetry,
) -> None:
    emitter.start(Request(**CHAT)).fail(RateLimited("Rate limit reached for gpt-4o-mini"))
    emitter.start(Request(**CHAT)).fail(TimeoutError("backend slow"))
    assert [s.status.description for s in telemetry.spans()] == [
        "RateLimited: Rate limit reached for gpt-4o-mini", "TimeoutError: backend slow"]


def test_error_message_is_redacted_when_on(
    capture: Callable[..., Emitter], telemetry: Telemetry,
) -> None:
    capture(CaptureMode.SPAN_ONLY).start(Request(operation=n.OP_EXECUTE_TOOL, tool_name="t")).fail(
        ValueError("no account for sam@example.com"))
    assert telemetry.span().status.description == "ValueError: no account for <EMAIL>"

"""The embedded exporters, fed by a real TracerProvider and the emitter."""

from __future__ import annotations

import io
import json
import logging

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult

from llmlens.exporters.console import ConsoleTreeSpanExporter
from llmlens.exporters.jsonl import JsonLinesSpanExporter
from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv import names as n


class NonUnicodeStream(io.StringIO):
    encoding = "ascii"


def _pipeline(exporter):
    provider = TracerProvider(resource=Resource.create({"service.name": "shop"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, Emitter("test.exporters", tracer_provider=provider)


def _chat_under_a_request(provider, emitter, *, fail=False):
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("handle /chat") as root:
        call = emitter.start(Request(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI,
                                     model="gpt-4o-mini", stream=True))
        call.chunk()
        call.chunk()
        call.span.set_attribute(n.LLMLENS_COST_USD, 0.000123)
        call.finish(Response(model="gpt-4o-mini-2024-07-18",
                             usage=Usage(input_tokens=12, output_tokens=34,
                                         cache_read_input_tokens=8)))
        tool = emitter.start(Request(operation=n.OP_EXECUTE_TOOL, tool_name="lookup"))
        if fail:
            tool.fail(TimeoutError("backend slow"))
        else:
            tool.finish()
    return root


def test_console_prints_one_tree_when_the_root_ends():
    out = io.StringIO()
    exporter = ConsoleTreeSpanExporter(out=out)
    provider, emitter = _pipeline(exporter)
    tracer = provider.get_tracer("app")
    with tracer.start_as_current_span("handle /chat"):
        call = emitter.start(Request(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI,
                                     model="gpt-4o-mini"))
        call.finish(Response(usage=Usage(input_tokens=1, output_tokens=2)))
        assert out.getvalue() == ""  # held until the root ends
    text = out.getvalue()
    assert text.count("trace ") == 1
    assert "(shop)" in text


def test_console_tree_shows_model_tokens_cost_ttft_and_errors():
    out = io.StringIO()
    provider, emitter = _pipeline(ConsoleTreeSpanExporter(out=out))
    root = _chat_under_a_request(provider, emitter, fail=True)
    lines = out.getvalue().splitlines()
    assert lines[0] == f"trace {root.get_span_context().trace_id:032x} (shop)"
    assert lines[1].startswith("└─ handle /chat · ")
    chat = lines[2]
    assert chat.startswith("   ├─ chat gpt-4o-mini · ")
    assert "model gpt-4o-mini-2024-07-18" in chat
    assert "tokens 12 in (8 cached) / 34 out" in chat
    assert "$0.000123" in chat
    assert "ttft " in chat
    assert lines[3].startswith("   └─ execute_tool lookup · ")
    assert lines[3].endswith("ERROR TimeoutError: backend slow")


def test_console_falls_back_to_ascii_when_the_stream_cannot_encode():
    out = NonUnicodeStream()
    provider, emitter = _pipeline(ConsoleTreeSpanExporter(out=out))
    _chat_under_a_request(provider, emitter)
    text = out.getvalue()
    text.encode("ascii")
    assert "`- handle /chat | " in text


def test_console_prints_unfinished_traces_at_shutdown():
    out = io.StringIO()
    exporter = ConsoleTreeSpanExporter(out=out)
    provider, emitter = _pipeline(exporter)
    tracer = provider.get_tracer("app")
    root = tracer.start_span("never ends before exit")
    from opentelemetry import trace

    with trace.use_span(root):
        emitter.start(Request(operation=n.OP_EMBEDDINGS, model="e1")).finish()
    assert out.getvalue() == ""
    provider.shutdown()
    assert "embeddings e1" in out.getvalue()


def test_console_bounds_what_it_holds(monkeypatch):
    from llmlens.exporters import console

    monkeypatch.setattr(console, "MAX_PENDING_TRACES", 2)
    out = io.StringIO()
    provider, _ = _pipeline(ConsoleTreeSpanExporter(out=out))
    tracer = provider.get_tracer("app")
    roots = [tracer.start_span(f"open {i}") for i in range(4)]
    from opentelemetry import trace

    for i, root in enumerate(roots):
        with trace.use_span(root):
            tracer.start_span(f"child {i}").end()
    # the two oldest traces were printed (incomplete) to make room
    assert "child 0" in out.getvalue() and "child 1" in out.getvalue()
    assert "child 2" not in out.getvalue()


def test_jsonl_writes_one_span_per_line_with_ids_parent_status_and_resource(tmp_path):
    path = tmp_path / "out" / "spans.jsonl"
    provider, emitter = _pipeline(JsonLinesSpanExporter(str(path)))
    root = _chat_under_a_request(provider, emitter, fail=True)
    provider.shutdown()
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert [r["name"] for r in records] == ["chat gpt-4o-mini", "execute_tool lookup",
                                            "handle /chat"]
    chat, tool, request = records
    trace_id = f"{root.get_span_context().trace_id:032x}"
    assert {r["trace_id"] for r in records} == {trace_id}
    assert request["parent_span_id"] is None
    assert chat["parent_span_id"] == request["span_id"] == tool["parent_span_id"]
    assert chat["kind"] == "CLIENT"
    assert chat["attributes"][n.GEN_AI_USAGE_INPUT_TOKENS] == 12
    assert chat["end_time_unix_nano"] >= chat["start_time_unix_nano"] > 0
    assert tool["status"] == {"code": "ERROR", "description": "TimeoutError: backend slow"}
    assert chat["resource"]["service.name"] == "shop"
    assert chat["scope"]["name"] == "test.exporters"


def test_jsonl_takes_its_path_from_the_environment_and_appends(tmp_path, monkeypatch):
    path = tmp_path / "spans.jsonl"
    monkeypatch.setenv("LLMLENS_JSONL_PATH", str(path))
    for _ in range(2):
        provider, _ = _pipeline(JsonLinesSpanExporter())
        provider.get_tracer("t").start_span("one").end()
        provider.shutdown()
    assert len(path.read_text().splitlines()) == 2


def test_jsonl_creates_no_file_without_spans(tmp_path):
    path = tmp_path / "spans.jsonl"
    exporter = JsonLinesSpanExporter(str(path))
    exporter.shutdown()
    assert not path.exists()


def test_jsonl_unwritable_path_fails_quietly(tmp_path, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    exporter = JsonLinesSpanExporter(str(blocker / "spans.jsonl"))
    provider = TracerProvider()
    span = provider.get_tracer("t").start_span("x")
    span.end()
    with caplog.at_level(logging.WARNING):
        assert exporter.export([span]) is SpanExportResult.FAILURE
        assert exporter.export([span]) is SpanExportResult.FAILURE
    assert caplog.text.count("cannot write spans") == 1


@pytest.mark.parametrize("stream_name", ["stdout", "stderr"])
def test_console_stream_is_chosen_by_environment(monkeypatch, capsys, stream_name):
    monkeypatch.setenv("LLMLENS_CONSOLE_STREAM", stream_name)
    provider, _ = _pipeline(ConsoleTreeSpanExporter())
    provider.get_tracer("t").start_span("printed").end()
    captured = capsys.readouterr()
    chosen = captured.out if stream_name == "stdout" else captured.err
    other = captured.err if stream_name == "stdout" else captured.out
    assert "printed" in chosen
    assert "printed" not in other

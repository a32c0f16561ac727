"""``llmlens report`` over JSON-lines files written by the real exporter."""

from __future__ import annotations

import io
import json

import pytest
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor

from llmlens.cli import main
from llmlens.exporters.jsonl import JsonLinesSpanExporter
from llmlens.report import build_report, percentile
from llmlens_semconv import Emitter, Request, Response, Usage
from llmlens_semconv import names as n


def _chat(emitter, model, usage=None, cost=None, chunks=0, error=None):
    call = emitter.start(Request(operation=n.OP_CHAT, provider=n.PROVIDER_OPENAI, model=model,
                                 stream=bool(chunks)))
    for _ in range(chunks):
        call.chunk()
    if cost is not None:
        call.span.set_attribute(n.LLMLENS_COST_USD, cost)
    if error is not None:
        call.fail(error)
    else:
        call.finish(Response(model=model, usage=usage))


@pytest.fixture
def span_file(tmp_path):
    """Four traces covering the double-counting traps."""
    path = tmp_path / "spans.jsonl"
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(JsonLinesSpanExporter(str(path))))
    emitter = Emitter("test.report", tracer_provider=provider)
    tracer = provider.get_tracer("app")

    # alice: a framework LLM step whose provider call beneath carries the usage
    with tracer.start_as_current_span("request", attributes={n.USER_ID: "alice"}):
        step = emitter.start(Request(operation=n.OP_CHAT, model="gpt-4o", framework=True))
        with step.activated():
            _chat(emitter, "gpt-4o", Usage(input_tokens=100, output_tokens=50), cost=0.01)
        step.finish(Response(usage=Usage(input_tokens=100, output_tokens=50)))

    # bob: an agent span summing the usage of its two steps, and a failed call
    with tracer.start_as_current_span("request", attributes={n.USER_ID: "bob"}):
        agent = emitter.start(Request(operation=n.OP_INVOKE_AGENT, agent_name="helper"))
        with agent.activated():
            _chat(emitter, "gpt-4o-mini", Usage(input_tokens=10, output_tokens=5), cost=0.001,
                  chunks=3)
            _chat(emitter, "gpt-4o-mini", Usage(input_tokens=10, output_tokens=5), cost=0.001)
        agent.finish(Response(usage=Usage(input_tokens=20, output_tokens=10)))
    with tracer.start_as_current_span("request", attributes={n.USER_ID: "bob"}):
        _chat(emitter, "gpt-4o-mini", error=TimeoutError("slow"))

    # nobody: a model without a known price
    _chat(emitter, "claude-x", Usage(input_tokens=7, output_tokens=3))
    provider.shutdown()
    return path


def _group(report, by, key):
    return next(g for g in report["groupings"][by] if g.key == key)


def test_counts_each_call_and_token_once(span_file):
    report = build_report(str(span_file))
    total = report["groupings"]["model"][-1]
    assert (total.calls, total.errors) == (5, 1)
    assert (total.input_tokens, total.output_tokens) == (127, 63)
    assert total.cost_usd == pytest.approx(0.012)
    gpt4o = _group(report, "model", "gpt-4o")
    assert (gpt4o.calls, gpt4o.input_tokens, gpt4o.output_tokens) == (1, 100, 50)
    mini = _group(report, "model", "gpt-4o-mini")
    assert (mini.calls, mini.errors, mini.input_tokens) == (3, 1, 20)
    assert len(mini.ttfts) == 1
    claude = _group(report, "model", "claude-x")
    assert (claude.priced, claude.unpriced) == (0, 1)


def test_groups_by_an_attribute_found_on_an_ancestor_span(span_file):
    report = build_report(str(span_file), by=["user.id"])
    alice = _group(report, "user.id", "alice")
    bob = _group(report, "user.id", "bob")
    nobody = _group(report, "user.id", "(none)")
    assert (alice.calls, alice.input_tokens, alice.cost_usd) == (1, 100, pytest.approx(0.01))
    assert (bob.calls, bob.errors, bob.input_tokens) == (3, 1, 20)
    assert (nobody.calls, nobody.input_tokens) == (1, 7)


def test_groups_by_a_resource_attribute(span_file):
    report = build_report(str(span_file), by=["service.name"])
    assert _group(report, "service.name", "support-bot").calls == 5


def test_cli_prints_tables_with_dollars(span_file):
    out = io.StringIO()
    import contextlib

    with contextlib.redirect_stdout(out):
        status = main(["report", str(span_file), "--by", "user.id"])
    text = out.getvalue()
    assert status == 0
    assert "5 calls, 1 error in 4 traces" in text
    rows = {line.split()[0]: line.split() for line in text.splitlines() if line.strip()}
    assert rows["gpt-4o"][1:3] == ["1", "0"]
    assert rows["gpt-4o"][8:] == ["100", "50", "$0.010000"]
    assert rows["gpt-4o-mini"][8:] == ["20", "10", "$0.002000"]
    assert rows["claude-x"][-1] == "unpriced"
    assert rows["total"][8:] == ["127", "63", "$0.012000", "(+1", "unpriced)"]
    assert rows["alice"][1] == "1"
    assert "by user.id" in text


def test_cli_json_output(span_file, capsys):
    assert main(["report", str(span_file), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    total = data["groupings"]["model"][-1]
    assert total["key"] == "total"
    assert total["input_tokens"] == 127
    assert total["cost_usd"] == pytest.approx(0.012)


def _span(i, duration_ms, ttft=None, status="UNSET"):
    attrs = {n.GEN_AI_OPERATION_NAME: n.OP_CHAT, n.GEN_AI_REQUEST_MODEL: "m",
             n.GEN_AI_USAGE_INPUT_TOKENS: 1, n.GEN_AI_USAGE_OUTPUT_TOKENS: 1}
    if ttft is not None:
        attrs[n.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = ttft
    start = 1_000_000_000
    return {"trace_id": f"{i:032x}", "span_id": f"{i:016x}", "parent_span_id": None,
            "name": "chat m", "start_time_unix_nano": start,
            "end_time_unix_nano": start + duration_ms * 1_000_000,
            "status": {"code": status}, "attributes": attrs, "resource": {}}


def test_latency_and_ttft_percentiles(tmp_path, capsys):
    path = tmp_path / "latency.jsonl"
    spans = [_span(i, i, ttft=i / 1000) for i in range(1, 101)]
    path.write_text("\n".join(json.dumps(s) for s in spans) + "\nnot json\n")
    assert main(["report", str(path)]) == 0
    text = capsys.readouterr().out
    row = next(line.split() for line in text.splitlines() if line.startswith("m "))
    assert row[1:8] == ["100", "0", "50ms", "95ms", "99ms", "50ms", "95ms"]
    assert "skipped 1 unreadable lines" in text


def test_percentile_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([3.0], 99) == 3.0
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([1, 2, 3, 4], 95) == 4


def test_missing_file_is_an_error_message_not_a_traceback(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.jsonl")]) == 2
    assert "cannot read" in capsys.readouterr().err

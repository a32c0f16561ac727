"""Instrumenting and uninstrumenting: the SDK is restored exactly, a second
instrument() adds nothing, packaging matches what auto-instrumentation
checks, and importing us does not import the SDK."""

from __future__ import annotations

import importlib
import importlib.metadata
import subprocess
import sys

import openai
from mock_api import MockAPI, chat_completion
from packaging.requirements import Requirement

from llmlens_openai import OpenAIInstrumentor
from llmlens_openai.package import _instruments
from llmlens_openai.targets import TARGETS

MESSAGES = [{"role": "user", "content": "x"}]


def _methods() -> dict[tuple[type, str], object]:
    found = {}
    for target in TARGETS:
        try:
            owner = getattr(importlib.import_module(target.module), target.cls)
        except (ImportError, AttributeError):
            continue
        if target.method in owner.__dict__:
            found[(owner, target.method)] = owner.__dict__[target.method]
    return found


def test_uninstrument_restores_every_method_exactly(telemetry):
    before = _methods()
    assert len(before) >= 12
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    during = _methods()
    assert all(during[key] is not before[key] for key in before)
    instrumentor.uninstrument()
    after = _methods()
    assert all(after[key] is before[key] for key in before)


def test_no_spans_after_uninstrument_even_through_cached_helpers(telemetry):
    client = MockAPI(is_async=False).json(chat_completion()).client()
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    raw_helper = client.chat.completions.with_raw_response  # cached with the wrapper inside
    raw_helper.create(model="m", messages=MESSAGES).parse()
    assert len(telemetry.spans()) == 1
    instrumentor.uninstrument()

    client.chat.completions.create(model="m", messages=MESSAGES)
    raw_helper.create(model="m", messages=MESSAGES).parse()
    assert len(telemetry.spans()) == 1


def test_instrumenting_twice_does_not_double_spans(telemetry):
    first, second = OpenAIInstrumentor(), OpenAIInstrumentor()
    first.instrument(**telemetry.providers())
    second.instrument(**telemetry.providers())
    try:
        client = MockAPI(is_async=False).json(chat_completion()).client()
        client.chat.completions.create(model="m", messages=MESSAGES)
        assert len(telemetry.spans()) == 1
    finally:
        first.uninstrument()


def test_reinstrumenting_after_uninstrument_gives_one_span(telemetry):
    instrumentor = OpenAIInstrumentor()
    for _ in range(3):
        instrumentor.instrument(**telemetry.providers())
        instrumentor.uninstrument()
    instrumentor.instrument(**telemetry.providers())
    try:
        client = MockAPI(is_async=False).json(chat_completion()).client()
        client.chat.completions.create(model="m", messages=MESSAGES)
        assert len(telemetry.spans()) == 1
    finally:
        instrumentor.uninstrument()


def test_importing_the_package_does_not_import_the_sdk():
    code = "import sys, llmlens_openai; assert 'openai' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_instrument_does_not_import_the_sdk_and_patches_on_import():
    code = """
import sys, wrapt
from llmlens_openai import OpenAIInstrumentor
OpenAIInstrumentor().instrument()
assert 'openai' not in sys.modules, 'imported at instrument()'
import openai.resources.chat.completions as chat
assert isinstance(chat.Completions.__dict__['create'], wrapt.FunctionWrapper)
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_instrument_compiles_no_regex_while_content_is_off():
    # start-up cost: the content patterns are compiled when content is first made safe
    code = """
import re, sys
callers = []
compile_ = re.compile
def tracking_compile(pattern, flags=0):
    callers.append(sys._getframe(1).f_globals.get('__name__', ''))
    return compile_(pattern, flags)
re.compile = tracking_compile
from llmlens_openai import OpenAIInstrumentor
OpenAIInstrumentor().instrument()
ours = [name for name in callers if name.startswith('llmlens')]
assert not ours, ours
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_uninstrument_before_the_import_leaves_the_sdk_alone():
    code = """
import sys, wrapt
from llmlens_openai import OpenAIInstrumentor
OpenAIInstrumentor().instrument()
OpenAIInstrumentor().uninstrument()
import openai.resources.chat.completions as chat
assert not isinstance(chat.Completions.__dict__['create'], wrapt.FunctionWrapper)
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_entry_point_and_instruments_extra_match():
    points = importlib.metadata.entry_points(group="opentelemetry_instrumentor")
    [point] = [p for p in points if p.name == "llmlens_openai"]
    assert point.load() is OpenAIInstrumentor
    requires = importlib.metadata.requires("llmlens-openai") or []
    extra = [Requirement(r) for r in requires if "extra ==" in r and "instruments" in r]
    assert [f"{r.name} {r.specifier}" for r in extra] == [
        str(Requirement(i)).replace("openai", "openai ", 1) for i in _instruments]
    assert OpenAIInstrumentor().instrumentation_dependencies() == _instruments
    # the installed SDK satisfies what we declare
    assert Requirement(_instruments[0]).specifier.contains(openai.__version__)


def test_wrapped_methods_look_like_the_sdk_methods(telemetry):
    """Signature, name, docs and coroutine-ness are what frameworks inspect."""
    import inspect

    def looks(client):
        out = []
        for path in ("chat.completions.create", "responses.create", "embeddings.create",
                     "completions.create"):
            owner = client
            *names, method = path.split(".")
            for name in names:
                owner = getattr(owner, name)
            func = getattr(owner, method)
            out.append((str(inspect.signature(func)), func.__name__, func.__doc__,
                        inspect.iscoroutinefunction(func)))
        return out

    clients = [MockAPI(is_async=flag).client() for flag in (False, True)]
    before = [looks(c) for c in clients]
    instrumentor = OpenAIInstrumentor()
    instrumentor.instrument(**telemetry.providers())
    try:
        assert [looks(c) for c in clients] == before
    finally:
        instrumentor.uninstrument()

"""LlamaIndex objects to records: usage as each provider reports it,
finish reasons, providers, span ids."""

from __future__ import annotations

from types import SimpleNamespace

from llmlens_llama_index.classify import Step, classify, method_of
from llmlens_llama_index.requests import provider_of
from llmlens_llama_index.responses import finish_reasons_of, usage_of
from llmlens_semconv import names as n


def test_openai_usage_with_cached_and_reasoning_tokens():
    raw = {"usage": {"prompt_tokens": 120, "completion_tokens": 40,
                     "prompt_tokens_details": {"cached_tokens": 100},
                     "completion_tokens_details": {"reasoning_tokens": 25}}}
    usage = usage_of(raw)
    assert (usage.input_tokens, usage.output_tokens) == (120, 40)
    assert usage.cache_read_input_tokens == 100
    assert usage.reasoning_output_tokens == 25


def test_anthropic_usage_counts_cached_tokens_inside_input():
    raw = SimpleNamespace(usage=SimpleNamespace(
        input_tokens=10, output_tokens=7, cache_read_input_tokens=200,
        cache_creation_input_tokens=50))
    usage = usage_of(raw)
    assert usage.input_tokens == 260
    assert usage.output_tokens == 7
    assert usage.cache_read_input_tokens == 200
    assert usage.cache_write_input_tokens == 50


def test_usage_from_additional_kwargs_when_raw_has_none():
    usage = usage_of(None, {"prompt_tokens": 9, "completion_tokens": 3, "total_tokens": 12})
    assert (usage.input_tokens, usage.output_tokens) == (9, 3)


def test_no_usage_is_not_zero_usage():
    assert usage_of({"usage": None}) is None
    assert usage_of(None) is None
    assert usage_of({"id": "x"}, {}) is None


def test_finish_reasons_of_openai_and_anthropic():
    assert finish_reasons_of({"choices": [{"finish_reason": "tool_calls"},
                                          {"finish_reason": None}]}) == ["tool_calls"]
    assert finish_reasons_of(SimpleNamespace(stop_reason="end_turn")) == ["end_turn"]
    assert finish_reasons_of(None) == []


def test_provider_from_the_integration_package():
    def instance_from(module: str) -> object:
        return type("Model", (), {"__module__": module})()

    assert provider_of(instance_from("llama_index.llms.openai.base")) == n.PROVIDER_OPENAI
    assert provider_of(instance_from("llama_index.llms.anthropic.base")) == n.PROVIDER_ANTHROPIC
    assert provider_of(
        instance_from("llama_index.embeddings.openai.base")) == n.PROVIDER_OPENAI
    assert provider_of(
        instance_from("llama_index.llms.bedrock_converse.base")) == n.PROVIDER_AWS_BEDROCK
    assert provider_of(instance_from("llama_index.core.llms.mock")) is None
    assert provider_of(instance_from("my_app.models")) is None


def test_method_of_dispatcher_span_ids():
    assert method_of("OpenAI.chat-0b8f5a0e-8d39-4d7c-9a49-1f6a1a1b2c3d") == "chat"
    assert method_of("BaseWorkflowAgent.run_agent_step-0b8f5a0e-8d39-4d7c-9a49-1f6a1a1b2c3d") \
        == "run_agent_step"
    assert method_of("plain") == "plain"


def test_classify_by_base_class_names_and_methods():
    class BaseLLM:
        pass

    class MyLLM(BaseLLM):
        pass

    assert classify(MyLLM(), "chat") is Step.LLM
    assert classify(MyLLM(), "astream_complete") is Step.LLM
    assert classify(MyLLM(), "_chat") is None
    assert classify(MyLLM(), "predict") is None
    assert classify(None, "chat") is None
    assert classify(object(), "chat") is None

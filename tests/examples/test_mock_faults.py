"""Fault injection and determinism of the mock server, seen through the SDKs."""

from __future__ import annotations

import anthropic
import openai
import pytest

from mock_llm import FaultProfile, ServerConfig, start_server

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}
MESSAGE = {
    "model": "claude-haiku-4-5",
    "max_tokens": 50,
    "messages": [{"role": "user", "content": "Hi"}],
}


def _openai(server, retries=0):
    return openai.OpenAI(base_url=server.openai_base_url, api_key="k", max_retries=retries)


def _anthropic(server, retries=0):
    return anthropic.Anthropic(base_url=server.anthropic_base_url, api_key="k", max_retries=retries)


def test_forced_429_carries_retry_after(openai_client):
    with pytest.raises(openai.RateLimitError) as caught:
        openai_client.chat.completions.create(**CHAT, extra_headers={"x-mock-fault": "429"})
    assert caught.value.response.headers["retry-after"] == "1"
    assert caught.value.response.headers["retry-after-ms"] == "200"
    assert caught.value.body["code"] == "rate_limit_exceeded"


def test_a_fault_limited_to_the_first_attempt_is_retried_by_the_sdk(mock_server):
    client = _openai(mock_server, retries=2)
    completion = client.chat.completions.create(**CHAT, extra_headers={"x-mock-fault": "429:1"})
    assert completion.choices[0].message.content
    assert mock_server.stats["requests /v1/chat/completions"] == 2
    assert mock_server.stats["fault 429"] == 1


def test_500_in_both_shapes(mock_server):
    with pytest.raises(openai.InternalServerError) as from_openai:
        _openai(mock_server).chat.completions.create(**CHAT, extra_headers={"x-mock-fault": "500"})
    assert from_openai.value.body["type"] == "server_error"
    with pytest.raises(anthropic.InternalServerError) as from_anthropic:
        _anthropic(mock_server).messages.create(**MESSAGE, extra_headers={"x-mock-fault": "500"})
    assert from_anthropic.value.body["error"]["type"] == "api_error"


def test_529_is_anthropic_overloaded_and_openai_503(mock_server):
    with pytest.raises(anthropic.APIStatusError) as caught:
        _anthropic(mock_server).messages.create(**MESSAGE, extra_headers={"x-mock-fault": "529"})
    assert caught.value.status_code == 529
    assert caught.value.body["error"]["type"] == "overloaded_error"
    with pytest.raises(openai.InternalServerError) as from_openai:
        _openai(mock_server).chat.completions.create(**CHAT, extra_headers={"x-mock-fault": "529"})
    assert from_openai.value.status_code == 503


def _error_chain(exc: BaseException | None) -> list[str]:
    names = []
    while exc is not None:
        names.append(type(exc).__name__)
        exc = exc.__cause__ or exc.__context__
    return names


# openai 2.x lets the transport error through; 3.x wraps it in APIConnectionError.
# httpx or httpx2 raise it, depending on the SDK version: hence the broad raises().
def test_mid_stream_disconnect_breaks_the_openai_stream(openai_client):
    received = []
    with pytest.raises(Exception) as caught:
        for chunk in openai_client.chat.completions.create(
            **CHAT, stream=True, extra_headers={"x-mock-fault": "disconnect"}
        ):
            received.append(chunk)
    assert "RemoteProtocolError" in _error_chain(caught.value)
    assert received, "some chunks arrive before the connection drops"


def test_mid_stream_disconnect_breaks_the_anthropic_stream(anthropic_client):
    received = []
    with pytest.raises(Exception) as caught:
        for event in anthropic_client.messages.create(
            **MESSAGE, stream=True, extra_headers={"x-mock-fault": "disconnect"}
        ):
            received.append(event.type)
    assert "RemoteProtocolError" in _error_chain(caught.value)
    assert received[0] == "message_start"
    assert "message_stop" not in received


def test_disconnect_on_a_json_request_is_a_connection_error(openai_client):
    with pytest.raises(openai.APIConnectionError):
        openai_client.chat.completions.create(**CHAT, extra_headers={"x-mock-fault": "disconnect"})


def _outcomes(seed: int, count: int = 12) -> list[str]:
    config = ServerConfig(seed=seed, faults=FaultProfile(rate=0.5, kinds=("429", "500")))
    outcomes = []
    with start_server(config) as server:
        client = _openai(server)
        for _ in range(count):
            try:
                outcomes.append(client.chat.completions.create(**CHAT).choices[0].message.content)
            except openai.APIStatusError as exc:
                outcomes.append(f"error {exc.status_code}")
    return outcomes


def test_random_faults_and_replies_repeat_with_the_same_seed():
    first, again, other = _outcomes(seed=5), _outcomes(seed=5), _outcomes(seed=6)
    assert first == again
    assert first != other
    assert {"error 429", "error 500"} <= set(first)
    assert any(not outcome.startswith("error") for outcome in first)


def test_header_none_overrides_random_faults():
    config = ServerConfig(seed=1, faults=FaultProfile(rate=1.0))
    with start_server(config) as server:
        completion = _openai(server).chat.completions.create(
            **CHAT, extra_headers={"x-mock-fault": "none"}
        )
    assert completion.choices[0].message.content


def test_reply_and_ids_follow_the_seed():
    def run(seed: int) -> tuple[str, str]:
        with start_server(ServerConfig(seed=seed)) as server:
            completion = _openai(server).chat.completions.create(**CHAT)
        return completion.id, completion.choices[0].message.content

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_unknown_fault_kind_is_a_400(openai_client):
    with pytest.raises(openai.BadRequestError):
        openai_client.chat.completions.create(**CHAT, extra_headers={"x-mock-fault": "teapot"})

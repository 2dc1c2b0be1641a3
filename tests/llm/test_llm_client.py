"""The OpenAI-compatible client against a real local HTTP server: retries, errors, JSON."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from email.utils import formatdate
from typing import Any

import pytest
from llm_server import TEST_API_KEY as API_KEY
from llm_server import ScriptedLLMServer, chat, error

from kgarden.errors import ConfigError, DependencyError, LLMError, NotFoundError
from kgarden.llm import LLMClient, LLMConfig, ReplyInvalid, extract_json_object
from kgarden.llm.client import _retry_after
from kgarden.registry import registry
from kgarden.settings import load_settings

MakeClient = Callable[..., LLMClient]
GOOD = {"enough_evidence": False, "claims": []}
VARS = {"question": "What is X?", "evidence": "[1] X is Y. (paper: On X)"}


def accept(reply: dict[str, Any]) -> dict[str, Any]:
    return reply


def test_config_from_settings() -> None:
    assert LLMConfig.from_settings(load_settings(env={})) is None
    env = {
        "KGARDEN_LLM_BASE_URL": "http://127.0.0.1:9/v1",
        "KGARDEN_LLM_MODEL": "m",
        "KGARDEN_LLM_API_KEY": "sk-x",
        "KGARDEN_LLM_TIMEOUT": "2.5",
        "KGARDEN_LLM_RETRIES": "0",
    }
    config = LLMConfig.from_settings(load_settings(env=env))
    assert config == LLMConfig("http://127.0.0.1:9/v1", "m", "sk-x", 2.5, 0)
    assert "sk-x" not in repr(config)
    with pytest.raises(ConfigError, match="KGARDEN_LLM_MODEL"):
        LLMConfig.from_settings(load_settings(env={"KGARDEN_LLM_BASE_URL": "http://h/v1"}))
    with pytest.raises(ConfigError, match="KGARDEN_LLM_TIMEOUT"):
        LLMConfig.from_settings(load_settings(env={**env, "KGARDEN_LLM_TIMEOUT": "0"}))


def test_endpoint_hides_credentials_in_the_url() -> None:
    config = LLMConfig("https://user:pw@llm.example/v1", "m")
    assert config.endpoint == "https://llm.example/v1"


def test_registered_as_versioned_component() -> None:
    component = registry.get("llm", "openai-compatible")
    assert component.id == "openai-compatible.v1"
    assert component.factory is LLMClient


def test_import_kgarden_does_not_import_openai() -> None:
    code = "import sys, kgarden, kgarden.llm; print('openai' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_missing_openai_package_is_a_dependency_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)  # makes "import openai" fail
    with pytest.raises(DependencyError) as info:
        LLMClient(LLMConfig("http://127.0.0.1:9/v1", "m"))
    assert "pip install 'kgarden[llm]'" in str(info.value)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1}',
        '```json\n{"a": 1}\n```',
        'Sure! Here it is:\n```\n{"a": 1}\n```\nDone.',
        'The answer is {"a": 1} as requested.',
        'note {not json} then {"a": 1}',
    ],
)
def test_extract_json_object(text: str) -> None:
    assert extract_json_object(text) == {"a": 1}


@pytest.mark.parametrize("text", ["[1, 2]", "no json here", '{"a": 1', ""])
def test_extract_json_object_rejects(text: str) -> None:
    with pytest.raises(ReplyInvalid):
        extract_json_object(text)


def test_good_reply_and_what_was_sent(
    llm_server: ScriptedLLMServer, make_client: MakeClient
) -> None:
    llm_server.script(
        [chat(GOOD, usage={"prompt_tokens": 11, "completion_tokens": 4, "total_tokens": 15})]
    )
    value, info = make_client().chat_json("ask", VARS, accept)
    assert value == GOOD
    assert (info.model, info.prompt_id, info.attempts) == ("test-model", "ask.v1", 1)
    assert (info.prompt_tokens, info.completion_tokens, info.total_tokens) == (11, 4, 15)
    [request] = llm_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.body["model"] == "test-model"
    assert request.body["temperature"] == 0
    assert request.body["response_format"] == {"type": "json_object"}
    assert [m["role"] for m in request.messages] == ["system", "user"]
    assert "[1] X is Y. (paper: On X)" in request.message("user")


def test_fenced_reply_is_accepted(llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    llm_server.script([chat("```json\n" + '{"ok": true}' + "\n```")])
    value, info = make_client().chat_json("ask", VARS, accept)
    assert value == {"ok": True} and info.attempts == 1
    assert info.total_tokens is None  # the server reported no usage


def test_malformed_json_is_retried(llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    llm_server.script([chat('{"enough_evidence": tru'), chat(GOOD)])
    value, info = make_client().chat_json("ask", VARS, accept)
    assert value == GOOD and info.attempts == 2


def test_validation_failure_is_retried(
    llm_server: ScriptedLLMServer, make_client: MakeClient
) -> None:
    def validate(reply: dict[str, Any]) -> int:
        if "n" not in reply:
            raise ReplyInvalid("no n")
        return int(reply["n"])

    llm_server.script([chat({"m": 1}), chat({"n": 7})])
    assert make_client().chat_json("ask", VARS, validate)[0] == 7


def test_slow_reply_times_out_then_retries(
    llm_server: ScriptedLLMServer, make_client: MakeClient
) -> None:
    llm_server.script([chat(GOOD, delay=3.0), chat(GOOD)])
    start = time.monotonic()
    value, info = make_client(timeout=0.4).chat_json("ask", VARS, accept)
    assert value == GOOD and info.attempts == 2
    assert time.monotonic() - start < 2.5  # did not wait for the slow reply


@pytest.mark.parametrize("headers", [{"Retry-After": "0.5"}, {"retry-after-ms": "500"}])
def test_429_honours_retry_after(
    llm_server: ScriptedLLMServer, make_client: MakeClient, headers: dict[str, str]
) -> None:
    llm_server.script([error(429, headers=headers), chat(GOOD)])
    _, info = make_client().chat_json("ask", VARS, accept)
    first, second = llm_server.requests
    assert info.attempts == 2
    assert second.time - first.time >= 0.45  # backoff alone would be 0.01 s


def test_retry_after_forms() -> None:
    soon = formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (_retry_after({"retry-after": soon}, 60.0) or 0) <= 30
    assert _retry_after({"retry-after": "120"}, 60.0) == 60.0
    assert _retry_after({"retry-after": "soon"}, 60.0) is None
    assert _retry_after({"retry-after": "-5"}, 60.0) == 0.0
    assert _retry_after({}, 60.0) is None


def test_retry_after_is_capped(llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    llm_server.script([error(429, headers={"Retry-After": "3600"}), chat(GOOD)])
    start = time.monotonic()
    make_client(retry_after_cap=0.1).chat_json("ask", VARS, accept)
    assert time.monotonic() - start < 5


def test_500_then_good(llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    llm_server.script([error(500), error(503), chat(GOOD)])
    assert make_client(retries=2).chat_json("ask", VARS, accept)[1].attempts == 3


def test_backoff_doubles(llm_server: ScriptedLLMServer) -> None:
    llm_server.script([error(500), error(500), chat(GOOD)])
    config = LLMConfig(llm_server.base_url, "test-model", API_KEY, 5.0, 2)
    with LLMClient(config, backoff=0.2) as client:
        client.chat_json("ask", VARS, accept)
    times = [r.time for r in llm_server.requests]
    assert times[1] - times[0] >= 0.2 and times[2] - times[1] >= 0.4


def test_always_500_fails_after_retries(
    llm_server: ScriptedLLMServer, make_client: MakeClient
) -> None:
    llm_server.script([], then=error(500, "boom"))
    with pytest.raises(LLMError) as info:
        make_client(retries=2).chat_json("ask", VARS, accept)
    message = str(info.value)
    assert "after 3 attempts" in message and "HTTP 500" in message
    assert llm_server.base_url in message
    assert "\n" not in message and API_KEY not in message
    assert len(llm_server.requests) == 3


def test_always_invalid_fails_with_the_reason(
    llm_server: ScriptedLLMServer, make_client: MakeClient
) -> None:
    llm_server.script([], then=chat("I cannot answer that."))
    with pytest.raises(LLMError, match=r"after 2 attempts .*no JSON object"):
        make_client(retries=1).chat_json("ask", VARS, accept)


@pytest.mark.parametrize(
    ("status", "words"),
    [(401, "API key was refused"), (403, "may not use"), (404, "unknown model")],
)
def test_auth_and_not_found_are_not_retried(
    llm_server: ScriptedLLMServer, make_client: MakeClient, status: int, words: str
) -> None:
    # Real servers echo the key back in 401 messages; it must not reach ours.
    llm_server.script([], then=error(status, f"Incorrect API key provided: {API_KEY}"))
    with pytest.raises(LLMError) as info:
        make_client(retries=3).chat_json("ask", VARS, accept)
    assert len(llm_server.requests) == 1
    assert words in str(info.value) and f"HTTP {status}" in str(info.value)
    assert API_KEY not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_400_retries_once_without_json_mode(
    llm_server: ScriptedLLMServer, make_client: MakeClient
) -> None:
    llm_server.script([error(400, "response_format not supported"), chat(GOOD)])
    client = make_client(retries=0)  # the fallback costs no retry
    assert client.chat_json("ask", VARS, accept)[1].attempts == 2
    first, second = llm_server.requests
    assert "response_format" in first.body and "response_format" not in second.body
    llm_server.script([error(400, "bad request")])
    with pytest.raises(LLMError, match="HTTP 400"):
        client.chat_json("ask", VARS, accept)  # a second 400 is the request's fault
    assert len(llm_server.requests) == 3


def test_unreachable_endpoint(make_client: MakeClient) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = LLMConfig(f"http://127.0.0.1:{port}/v1", "m", timeout=2.0, retries=1)
    with LLMClient(config, backoff=0.01) as client, pytest.raises(LLMError) as info:
        client.chat_json("ask", VARS, accept)
    assert "cannot connect" in str(info.value) and "after 2 attempts" in str(info.value)


def test_unknown_prompt_is_not_sent(llm_server: ScriptedLLMServer, make_client: MakeClient) -> None:
    with pytest.raises(NotFoundError, match="unknown prompt"):
        make_client().chat_json("nope", VARS, accept)
    assert llm_server.requests == []

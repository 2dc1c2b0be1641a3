"""A real, scripted OpenAI-compatible HTTP server for tests (stdlib only, 127.0.0.1, port 0).

    with ScriptedLLMServer() as server:
        server.script([error(500), chat({"enough_evidence": False, "claims": []})])
        config = LLMConfig(server.base_url, "test-model", "sk-test", timeout=2, retries=2)
        ...
        assert len(server.requests) == 2

Each POST to ``/v1/chat/completions`` takes the next scripted response in arrival order
(``then=`` repeats one after the script runs out; with neither, the server answers 500
"script exhausted"). Every request is recorded. Slow replies wait on an event that closing
the server sets, so shutdown never waits out a long delay.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

# A key for tests to send; the server records it, and error tests check it never leaks.
TEST_API_KEY = "sk-test-secret-1234"


@dataclass(frozen=True)
class Scripted:
    """One scripted response: a status, a body and headers, sent after ``delay`` seconds."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0


def chat(
    content: str | Mapping[str, Any],
    *,
    delay: float = 0.0,
    usage: Mapping[str, int] | None = None,
    model: str = "test-model",
) -> Scripted:
    """A 200 chat completion whose message is ``content`` (a mapping is sent as JSON text)."""
    text = content if isinstance(content, str) else json.dumps(content)
    body: dict[str, Any] = {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
    }
    if usage is not None:
        body["usage"] = dict(usage)
    return Scripted(200, json.dumps(body).encode(), {"Content-Type": "application/json"}, delay)


def error(
    status: int, message: str = "scripted error", headers: Mapping[str, str] | None = None
) -> Scripted:
    """An error in the OpenAI error shape, e.g. ``error(429, headers={"Retry-After": "1"})``."""
    body = json.dumps({"error": {"message": message, "type": "test", "code": status}})
    return Scripted(status, body.encode(), {"Content-Type": "application/json", **(headers or {})})


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: Any  # parsed JSON, or the raw text when it was not JSON
    time: float  # time.monotonic() at arrival

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list(self.body.get("messages", [])) if isinstance(self.body, dict) else []

    def message(self, role: str) -> str:
        """The text of the first message with ``role`` ("system" or "user")."""
        return next((str(m.get("content")) for m in self.messages if m.get("role") == role), "")


class _Server(ThreadingHTTPServer):
    # Handler threads are joined on close, so no request outlives the test.
    daemon_threads = False
    owner: ScriptedLLMServer


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode("utf-8", "replace")
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw
        request = RecordedRequest(
            "POST",
            self.path,
            {k.lower(): v for k, v in self.headers.items()},
            body,
            time.monotonic(),
        )
        owner = self.server.owner
        response = owner._next(request)
        if response.delay and owner._closing.wait(response.delay):
            return  # the server is closing: nobody needs this reply any more
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): expected


class ScriptedLLMServer:
    """A context manager serving scripted chat completions on ``base_url``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Scripted] = deque()
        self._then: Scripted | None = None
        self._requests: list[RecordedRequest] = []
        self._closing = threading.Event()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ScriptedLLMServer:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._closing.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join()

    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "use the server as a context manager"
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, responses: Sequence[Scripted], *, then: Scripted | None = None) -> None:
        """Queue ``responses`` (in order); ``then`` answers every request after them."""
        with self._lock:
            self._queue.extend(responses)
            self._then = then

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def unused(self) -> int:
        """Scripted responses not yet taken."""
        with self._lock:
            return len(self._queue)

    def _next(self, request: RecordedRequest) -> Scripted:
        with self._lock:
            self._requests.append(request)
            if request.path.rstrip("/") != "/v1/chat/completions":
                return error(404, f"no route {request.path}")
            if self._queue:
                return self._queue.popleft()
            return self._then or error(500, "script exhausted")


@pytest.fixture
def llm_server() -> Iterator[ScriptedLLMServer]:
    """A running ScriptedLLMServer; import this fixture into a conftest to use it."""
    with ScriptedLLMServer() as server:
        yield server

"""A local OpenAI-compatible chat-completions server, speaking the real wire format.

``POST /v1/chat/completions`` answers ``{"id", "object": "chat.completion",
"choices": [{"message": {"role": "assistant", "content": …}}], "usage": {…}}``
and ``GET /v1/models`` lists the models, both behind ``Authorization: Bearer``.
Tests script what each next request gets with ``then(...)``: an answer (a dict
becomes its JSON content, a string is sent as is, so malformed JSON and wrong
shapes are easy), a status with headers (429 with ``Retry-After``, 500), or a
delay longer than the client's timeout. With nothing scripted it answers
``default``. Every request body is kept in ``requests``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

API_KEY = "sk-fake-openai-key-for-b2a-tests-0123456789"
MODELS = ("fake-small", "fake-large")


@dataclass(frozen=True)
class Behaviour:
    """What one request gets."""

    content: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    usage: tuple[int, int] = (120, 30)


@dataclass
class OpenAIState:
    """Scripted behaviours and the requests seen."""

    default: Behaviour = field(
        default_factory=lambda: Behaviour(
            {"intent": "greeting", "reply": "Hello! How can I help?", "confidence": 0.95}
        )
    )
    script: deque[Behaviour] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def then(self, *behaviours: Behaviour | dict[str, Any] | str) -> None:
        """Queue what the next requests get, in order (a dict or string is an answer)."""
        with self.lock:
            for b in behaviours:
                self.script.append(b if isinstance(b, Behaviour) else Behaviour(b))

    def _next(self) -> Behaviour:
        with self.lock:
            return self.script.popleft() if self.script else self.default

    @property
    def chat_calls(self) -> int:
        """How many chat-completion requests arrived."""
        return len(self.requests)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): nothing to answer

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.server.api_key}":
            return True
        self._send(401, {"error": {"message": "Incorrect API key provided.", "type": "auth"}})
        return False

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/v1/models":
            self._send(404, {"error": {"message": "not found"}})
        elif self._authorised():
            models = [{"id": m, "object": "model", "owned_by": "fake"} for m in MODELS]
            self._send(200, {"object": "list", "data": models})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        if self.path != "/v1/chat/completions":
            self._send(404, {"error": {"message": "not found"}})
            return
        state = self.server.state
        with state.lock:
            state.requests.append(body)
        if not self._authorised():
            return
        behaviour = state._next()
        if behaviour.delay:
            time.sleep(behaviour.delay)
        if behaviour.status != 200:
            error = {"error": {"message": f"status {behaviour.status}", "type": "server"}}
            self._send(behaviour.status, error, behaviour.headers)
            return
        content = behaviour.content
        text = content if isinstance(content, str) else json.dumps(content)
        prompt, completion = behaviour.usage
        self._send(
            200,
            {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
            },
            behaviour.headers,
        )


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: OpenAIState, api_key: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.api_key = api_key


class FakeOpenAI:
    """Run the fake on a free loopback port for the duration of a ``with`` block."""

    def __init__(self, api_key: str = API_KEY) -> None:
        self.state = OpenAIState()
        self._server = _Server(self.state, api_key)
        # A short poll: shutdown() waits for the loop's next look (0.5 s by default, per test).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        """The API root, as a provider is configured with it (``…/v1``)."""
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

"""A local stand-in for Meta's Graph API (WhatsApp Cloud API), speaking its wire format.

It checks the bearer token, answers sends with ``wamid`` ids, accepts media uploads,
serves media for download, lists templates with pagination, describes the business's
phone numbers (one by id, or all of a business account; ``POST /_fake/numbers`` adds one
when the fake runs in its own process), answers unknown ids the way
Graph does (400, code 100, subcode 33), and can be told to fail (with a Graph error
code) or to be slow. Tests and the benchmark point our real httpx client at it.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "test-token"
WABA = "WABA"


@dataclass
class GraphState:
    """What the fake has seen and what it has been told to do."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[dict[str, Any]] = field(default_factory=list)
    failures: deque[tuple[int, int]] = field(default_factory=deque)
    failing: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Recipients whose every send fails: (HTTP status, Graph code) by ``to``."""
    latency: float = 0.0
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    templates: list[dict[str, Any]] = field(default_factory=list)
    numbers: dict[str, dict[str, str]] = field(
        default_factory=lambda: {
            "1111": {
                "display_phone_number": "+1 555-000-1111",
                "verified_name": "Acme",
                "waba": WABA,
            }
        }
    )
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add_number(
        self, phone_number_id: str, display: str, verified_name: str, waba_id: str
    ) -> None:
        """A phone number Meta knows, in that business account."""
        self.numbers[phone_number_id] = {
            "display_phone_number": display,
            "verified_name": verified_name,
            "waba": waba_id,
        }

    def fail_next(self, graph_code: int, status: int = 400, times: int = 1) -> None:
        """Answer the next ``times`` sends with this Graph error."""
        for _ in range(times):
            self.failures.append((status, graph_code))

    def fail_for(self, recipient: str, graph_code: int, status: int = 400) -> None:
        """Answer every send to this recipient with this Graph error."""
        self.failing[recipient] = (status, graph_code)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {TOKEN}":
            return True
        self._reply(
            401,
            {
                "error": {
                    "message": "Invalid OAuth access token - Cannot parse access token",
                    "type": "OAuthException",
                    "code": 190,
                    "fbtrace_id": "AtraceToken",
                }
            },
        )
        return False

    def _no_such_object(self, object_id: str) -> None:
        self._reply(
            400,
            {
                "error": {
                    "message": f"Unsupported get request. Object with ID '{object_id}' does not "
                    "exist, cannot be loaded due to missing permissions, or does not support "
                    "this operation. Please read the Graph API documentation at "
                    "https://developers.facebook.com/docs/graph-api",
                    "type": "GraphMethodException",
                    "code": 100,
                    "error_subcode": 33,
                    "fbtrace_id": "AtraceObject",
                }
            },
        )

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length", 0)))

    def do_POST(self) -> None:
        state = self.server.state
        body = self._body()
        if self.path == "/_fake/numbers":  # a test registers a number, as in Meta's dashboard
            number = json.loads(body)
            state.add_number(
                number["phone_number_id"], number["display"], number["name"], number["waba_id"]
            )
            self._reply(200, {"ok": True})
            return
        if not self._authorised():
            return
        time.sleep(state.latency)
        parts = urlsplit(self.path).path.strip("/").split("/")
        if parts[-1] == "media":
            media_id = f"media-{uuid.uuid4().hex[:10]}"
            with state.lock:
                state.uploads.append(
                    {"id": media_id, "size": len(body), "phone_number_id": parts[-2]}
                )
            self._reply(200, {"id": media_id})
            return
        if parts[-1] != "messages":
            self._reply(404, {"error": {"message": "Unknown path", "code": 100}})
            return
        payload = json.loads(body)
        with state.lock:
            failure = state.failures.popleft() if state.failures else None
            failure = failure or state.failing.get(str(payload.get("to")))
        if failure:
            status, code = failure
            self._reply(
                status,
                {
                    "error": {
                        "message": f"(#{code}) failure",
                        "type": "OAuthException",
                        "code": code,
                        "error_data": {
                            "messaging_product": "whatsapp",
                            "details": f"details of {code}",
                        },
                        "fbtrace_id": "Atrace",
                    }
                },
            )
            return
        wamid = f"wamid.{uuid.uuid4().hex}"
        with state.lock:
            state.sent.append(
                {
                    "phone_number_id": parts[-2],
                    "wamid": wamid,
                    "received_at": time.time(),
                    **payload,
                }
            )
        self._reply(
            200,
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
                "messages": [{"id": wamid}],
            },
        )

    def do_GET(self) -> None:
        state = self.server.state
        if self.path == "/_fake/sent":
            # Not Meta's: lets a benchmark in another process read what arrived, and when.
            with state.lock:
                log = [
                    {"to": s.get("to"), "at": s["received_at"], "body": _body(s)}
                    for s in state.sent
                ]
            self._reply(200, log)
            return
        if not self._authorised():
            return
        parsed = urlsplit(self.path)
        parts = parsed.path.strip("/").split("/")
        if parts[0] == "download":
            content, mime = state.media[parts[1]]
            self._reply(200, content, mime)
            return
        if parts[-1] == "message_templates":
            self._templates(parsed.query)
            return
        if parts[-1] == "phone_numbers":
            self._business_numbers(parts[-2], parsed.query)
            return
        if parts[-1] in state.media:
            content, mime = state.media[parts[-1]]
            base = f"http://127.0.0.1:{self.server.server_port}"
            self._reply(
                200,
                {
                    "url": f"{base}/download/{parts[-1]}",
                    "mime_type": mime,
                    "sha256": "x",
                    "file_size": len(content),
                    "id": parts[-1],
                },
            )
            return
        if parts[-1] in state.numbers:
            self._reply(200, self._number(parts[-1], parsed.query))
            return
        self._no_such_object(parts[-1])

    def _number(self, phone_number_id: str, query: str) -> dict[str, str]:
        """The fields asked for, and the id, as Graph answers a node read."""
        known = self.server.state.numbers[phone_number_id]
        fields = parse_qs(query).get("fields", ["display_phone_number,verified_name"])[0]
        wanted = {f for f in fields.split(",") if f != "waba"}
        return {**{k: v for k, v in known.items() if k in wanted}, "id": phone_number_id}

    def _business_numbers(self, waba_id: str, query: str) -> None:
        state = self.server.state
        ids = [pid for pid, known in state.numbers.items() if known["waba"] == waba_id]
        if not ids:
            self._no_such_object(waba_id)
            return
        data = [self._number(pid, query) for pid in ids]
        cursors = {"before": "QVFIUmJ", "after": "QVFIUkx"}
        self._reply(200, {"data": data, "paging": {"cursors": cursors}})

    def _templates(self, query: str) -> None:
        after = int(parse_qs(query).get("after", ["0"])[0])
        page = self.server.state.templates[after : after + 2]
        body: dict[str, Any] = {"data": page}
        if after + 2 < len(self.server.state.templates):
            base = f"http://127.0.0.1:{self.server.server_port}{urlsplit(self.path).path}"
            body["paging"] = {"next": f"{base}?after={after + 2}"}
        self._reply(200, body)


def _body(sent: dict[str, Any]) -> str:
    """What a sent message said: its text, or the template or media it carried."""
    kind = sent.get("type", "text")
    if kind == "text":
        return str(sent.get("text", {}).get("body", ""))
    if kind == "template":
        return f"template:{sent.get('template', {}).get('name', '')}"
    return f"{kind}:{sent.get(kind, {}).get('id', sent.get(kind, {}).get('link', ''))}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    request_queue_size = 1024

    def __init__(self, state: GraphState, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = state


class FakeGraphApi:
    """Run the fake on a free loopback port for the duration of a ``with`` block."""

    def __init__(self, port: int = 0) -> None:
        self.state = GraphState()
        self._server = _Server(self.state, port)
        # A short poll: shutdown() waits for the loop's next look (0.5 s by default, per test).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeGraphApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def main() -> None:
    """``python -m tests.fakes.graph_api PORT [LATENCY]``: serve until killed (for benchmarks).

    ``LATENCY`` (seconds, default 0) delays every answer, as Meta's round trip does.
    """
    import sys

    with FakeGraphApi(int(sys.argv[1])) as fake:
        fake.state.latency = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
        print(fake.base_url, flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()

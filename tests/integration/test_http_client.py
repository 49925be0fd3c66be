"""The outbound client (httpx over aiohttp) against a real local HTTP server.

Callers see httpx only: statuses, headers, bodies and, above all, the httpx
exception for each failure, since ``CloudApiClient`` decides from it whether a
send may have arrived.
"""

import asyncio
import gzip
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from b2a.errors import TransportError
from b2a.lib.http import USER_AGENT, create_client
from b2a.whatsapp.cloud_api import CloudApiClient, CloudCredentials
from b2a.whatsapp.transport import Outbound


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        self.server.connections += 1

    def _answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self._route(b"")

    def do_POST(self):
        self._route(self.rfile.read(int(self.headers.get("Content-Length", 0))))

    def _route(self, body):
        path = self.path.rsplit("/", 1)[-1]
        if path.isdigit():
            self._answer(
                int(path), b'{"error": {"code": 1}}', [("Content-Type", "application/json")]
            )
        elif path == "slow":
            time.sleep(1.0)
            self._answer(200, b"{}")
        elif "hang-up" in self.path:
            self.close_connection = True
            self.connection.close()
        elif path == "gzip":
            self._answer(200, gzip.compress(b'{"ok": true}'), [("Content-Encoding", "gzip")])
        else:
            echo = {
                "method": self.command,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("latin-1"),
            }
            self._answer(200, json.dumps(echo).encode(), [("X-Seen", "a"), ("X-Seen", "b")])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    connections = 0


@pytest.fixture
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield httpd, f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


async def test_a_json_post_arrives_whole_with_our_headers(server):
    _httpd, url = server
    async with create_client(base_url=url) as http:
        response = await http.post(
            "/echo", json={"to": "92300", "text": "سلام"}, headers={"Authorization": "Bearer t"}
        )
    echo = response.json()
    assert response.status_code == 200 and response.http_version == "HTTP/1.1"
    assert echo["method"] == "POST" and json.loads(echo["body"].encode("latin-1")) == {
        "to": "92300",
        "text": "سلام",
    }
    assert echo["headers"]["authorization"] == "Bearer t"
    assert echo["headers"]["user-agent"] == USER_AGENT
    assert echo["headers"]["content-type"] == "application/json"
    assert response.headers.get_list("x-seen") == ["a", "b"]


async def test_query_strings_and_uploads_keep_their_framing(server):
    _httpd, url = server
    async with create_client(base_url=url) as http:
        got = (await http.get("/echo", params={"fields": "a,b", "limit": 2})).json()
        upload = await http.post(
            "/echo",
            data={"type": "image/jpeg"},
            files={"file": ("x.jpg", b"\xff\xd8", "image/jpeg")},
        )
    assert got["path"] == "/echo?fields=a%2Cb&limit=2"
    sent = upload.json()
    assert sent["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert int(sent["headers"]["content-length"]) == len(sent["body"].encode("latin-1"))
    assert "\xff\xd8" in sent["body"]


async def test_statuses_come_back_as_they_are_and_redirects_are_not_followed(server):
    _httpd, url = server
    async with create_client(base_url=url) as http:
        for status in (201, 302, 404, 429, 500):
            response = await http.get(f"/{status}")
            assert response.status_code == status
            assert response.json() == {"error": {"code": 1}}


async def test_a_compressed_answer_is_decoded_once(server):
    _httpd, url = server
    async with create_client(base_url=url) as http:
        assert (await http.get("/gzip")).json() == {"ok": True}


async def test_connections_are_kept_alive_and_reused(server):
    httpd, url = server
    async with create_client(base_url=url) as http:
        for _ in range(5):
            await http.get("/echo")
    assert httpd.connections == 1


async def test_each_failure_is_the_httpx_exception_callers_catch(server):
    _httpd, url = server
    async with create_client(base_url=url, timeout=0.3) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/slow")
        with pytest.raises(httpx.RemoteProtocolError):
            await http.post("/hang-up", json={})
        with pytest.raises(httpx.ConnectError):
            await http.get("http://127.0.0.1:9/")


async def test_waiting_for_a_free_connection_times_out_as_not_sent(server):
    _httpd, url = server
    async with create_client(base_url=url, timeout=0.3, max_connections=1) as http:
        http.timeout = httpx.Timeout(2.0, pool=0.1, connect=0.1)
        busy = http.get("/slow")
        holder = asyncio.ensure_future(busy)
        await asyncio.sleep(0.2)
        with pytest.raises(httpx.ConnectTimeout):
            await http.get("/echo")
        assert (await holder).status_code == 200


async def test_the_cloud_client_still_tells_not_sent_from_maybe_sent(server):
    _httpd, url = server
    async with create_client(timeout=0.3) as http:
        refused = CloudApiClient(http, CloudCredentials("1111", "t"), base_url="http://127.0.0.1:9")
        with pytest.raises(TransportError) as info:
            await refused.send(Outbound(to="1", text="hi"))
        assert not info.value.maybe_sent and not info.value.permanent
        cut = CloudApiClient(http, CloudCredentials("hang-up", "t"), base_url=url)
        with pytest.raises(TransportError) as info:
            await cut.send(Outbound(to="1", text="hi"))
        assert info.value.maybe_sent and not info.value.permanent


async def test_a_proxy_named_in_the_environment_is_used(server, monkeypatch):
    httpd, url = server
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.setenv("NO_PROXY", "")
    async with create_client() as http:
        echo = (await http.get("http://graph.example.invalid/v21.0/echo")).json()
    assert echo["path"] == "http://graph.example.invalid/v21.0/echo"

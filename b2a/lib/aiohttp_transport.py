"""httpx's API on aiohttp's connection pool: the transport under every outbound client.

httpx's own transport (httpcore on anyio) cost 1.2–1.7 ms of CPU per Cloud API
send here with 20 in flight and 6–9 ms with 100, most of it its pool walking
every connection and waiting request on each request and answer; through
aiohttp's pool a send costs about 0.5 ms, whatever the pool's size
(docs/performance.md, "Outbound HTTP client"). Callers keep
httpx: requests, responses and exceptions are httpx's, so the Cloud API
client's error mapping and the tests' fakes behind real sockets are unchanged.

Bodies are read whole (every caller sends and reads JSON or small files);
``Client.stream`` still works but buffers the response first.
"""

from __future__ import annotations

import ssl
import urllib.request

import aiohttp
import httpx
import yarl

# Hop-by-hop framing aiohttp writes itself from the bytes it is given.
_FRAMING = frozenset({"content-length", "transfer-encoding"})


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An ``httpx.AsyncBaseTransport`` sending through one ``aiohttp.ClientSession``.

    The session is opened on the first request, inside the event loop that uses
    it (aiohttp binds a session to its loop), and closed with the httpx client.
    """

    def __init__(
        self, *, max_connections: int, keepalive_seconds: float, verify: ssl.SSLContext
    ) -> None:
        self._max_connections = max_connections
        self._keepalive_seconds = keepalive_seconds
        self._ssl = verify
        self._session: aiohttp.ClientSession | None = None
        # httpx hands proxies to a custom transport: HTTPS_PROXY, HTTP_PROXY, NO_PROXY.
        self._proxies = urllib.request.getproxies_environment()

    def _open(self) -> aiohttp.ClientSession:
        connector = aiohttp.TCPConnector(
            limit=self._max_connections,
            keepalive_timeout=self._keepalive_seconds,
            ssl=self._ssl,
        )
        # httpx decodes the body (it reads Content-Encoding) and keeps cookies and redirects.
        # No trust_env: aiohttp would then read ~/.netrc and the proxy variables in a thread
        # on every request; _proxy_for reads the variables once.
        self._session = aiohttp.ClientSession(
            connector=connector,
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )
        return self._session

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` and read the whole answer, raising httpx's exceptions."""
        session = self._session or self._open()
        body = await request.aread()
        headers = [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _FRAMING]
        try:
            async with session.request(
                request.method,
                yarl.URL(str(request.url), encoded=True),  # httpx's bytes, not re-quoted
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=_timeout(request),
                proxy=self._proxy_for(request.url) if self._proxies else None,
            ) as answer:
                content = await answer.read()
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:  # as httpx's, for callers
            raise _as_httpx(exc, request) from exc
        return httpx.Response(
            answer.status,
            headers=answer.raw_headers,
            stream=httpx.ByteStream(content),
            request=request,
            extensions={
                "http_version": _version(answer.version),
                "reason_phrase": (answer.reason or "").encode(),
            },
        )

    def _proxy_for(self, url: httpx.URL) -> str | None:
        """The environment's proxy for ``url``, unless ``NO_PROXY`` exempts its host."""
        if urllib.request.proxy_bypass(url.host):
            return None
        return self._proxies.get(url.scheme) or self._proxies.get("all")

    async def aclose(self) -> None:
        """Close the pooled connections (the httpx client calls this on ``aclose``)."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _version(version: aiohttp.HttpVersion | None) -> bytes:
    """The answer's protocol as httpx names it (``response.http_version``)."""
    return f"HTTP/{version.major}.{version.minor}".encode() if version else b"HTTP/1.1"


def _timeout(request: httpx.Request) -> aiohttp.ClientTimeout:
    """The request's httpx timeouts for aiohttp: a free connection, connecting, reading.

    aiohttp has no write timeout; a request body is small, and a peer that stops
    reading is caught by the read timeout that follows.
    """
    limits = request.extensions.get("timeout", {})
    pool, connect = limits.get("pool"), limits.get("connect")
    return aiohttp.ClientTimeout(
        total=None,
        connect=None if pool is None or connect is None else pool + connect,
        sock_connect=connect,
        sock_read=limits.get("read"),
    )


def _as_httpx(exc: Exception, request: httpx.Request) -> httpx.TransportError:
    """The httpx exception for an aiohttp failure; "not sent" only when it cannot have been."""
    message = str(exc) or type(exc).__name__
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return httpx.ConnectTimeout(message, request=request)
    if isinstance(exc, aiohttp.ClientConnectorError):
        return httpx.ConnectError(message, request=request)
    if isinstance(exc, TimeoutError):
        return httpx.ReadTimeout(message, request=request)
    broken = aiohttp.ServerDisconnectedError | aiohttp.ClientPayloadError
    if isinstance(exc, broken | aiohttp.ClientResponseError):
        return httpx.RemoteProtocolError(message, request=request)
    return httpx.ReadError(message, request=request)

"""``GET /metrics`` for Prometheus, and each request's latency by route template.

Who may read: a loopback client (a Prometheus on this host, or one tunnelled
to it) always; any other client only with ``B2A_METRICS_TOKEN`` as a bearer
token, and never when no token is set. Behind nginx the client address is the
forwarded one (``B2A_SERVER_TRUSTED_PROXIES``), so the public is not loopback.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import time
from typing import Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from b2a.errors import Forbidden
from b2a.lib import metrics
from b2a.ops.metrics import live_metrics

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _may_read(request: Request[Any, Any, Any], token: str) -> bool:
    if _loopback(request.client.host if request.client else None):
        return True
    given = request.headers.get("authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@get("/metrics", tags=["health"], include_in_schema=False)
async def read_metrics(request: Request[Any, Any, Any], state: State) -> Response[bytes]:
    """Every process's figures on this host plus the live queue, session and breaker gauges."""
    if not _may_read(request, state.settings.metrics.token):
        raise Forbidden(
            "metrics are readable from this host only, or with B2A_METRICS_TOKEN as a bearer token."
        )
    live = await live_metrics(state.queue, state.redis)
    # Reading and summing the processes' files takes milliseconds: off the event loop.
    body, media_type = await asyncio.to_thread(metrics.exposition, live)
    return Response(body, media_type=media_type)


class StatusNoted:
    """An ASGI ``send`` that notes the response's status on its way out.

    For the wrappers that report on a request after it (latency by status
    class, the trace's span); 500 until the app has started a response.
    """

    __slots__ = ("_send", "status")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.status = 500

    async def __call__(self, message: Message) -> None:
        """Pass the message on, keeping the status of the response it starts."""
        if message["type"] == "http.response.start":
            self.status = message["status"]
        await self._send(message)


def timed(app: ASGIApp) -> ASGIApp:
    """Wrap ``app`` so each HTTP request's latency is recorded under its route template."""

    async def timing(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        noted = StatusNoted(send)
        try:
            await app(scope, receive, noted)
        finally:
            # Litestar puts the matched route's template in the scope: never the raw path.
            route = scope.get("path_template") or "unmatched"  # type: ignore[typeddict-item]
            asked = scope.get("method", "")
            method = asked if asked in METHODS else "other"
            metrics.get().http_seconds.labels(route, method, f"{noted.status // 100}xx").observe(
                time.perf_counter() - started
            )

    return timing

"""Each HTTP request as a server span, when tracing is on (``b2a.lib.tracing``).

Installed by ``create_app`` only when the process traces, so a server without
tracing runs no code of it. The span is named by the route template once
Litestar matched it (``POST /webhooks/whatsapp/{channel_id}``), never by the
raw path, and continues a trace a proxy started (its ``traceparent`` header).
Its attributes are the method, route, status and the request's and tenant's
ids: never a query string, a header's value or a body.
"""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from b2a.lib import tracing
from b2a.lib.log import request_id, tenant_id
from b2a.server.metrics import METHODS, StatusNoted

TRACE_HEADERS = frozenset({b"traceparent", b"tracestate"})


def traced(app: ASGIApp) -> ASGIApp:
    """Wrap ``app`` so each HTTP request runs inside its server span."""

    async def tracing_request(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        asked = scope.get("method", "")
        method = asked if asked in METHODS else "other"
        incoming = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name in TRACE_HEADERS
        }
        noted = StatusNoted(send)
        with tracing.span(method, kind="server", parent=incoming) as span:
            try:
                await app(scope, receive, noted)
            finally:
                route = scope.get("path_template") or "unmatched"  # type: ignore[typeddict-item]
                span.rename(f"{method} {route}")
                span.set(
                    {
                        "http.request.method": method,
                        "http.route": route,
                        "http.response.status_code": noted.status,
                        "b2a.request_id": request_id.get() or None,
                        "b2a.tenant_id": tenant_id.get() or None,
                    }
                )
                if noted.status >= 500:
                    span.fail(f"HTTP {noted.status}")

    return tracing_request

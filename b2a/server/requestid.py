"""Each HTTP request's id: the ``X-Request-ID`` a proxy sent, or a new one; logged and echoed.

nginx (``proxy_set_header X-Request-ID $request_id``) or a load balancer may
name the request already; an id of another shape (too long, odd characters) is
replaced rather than logged. The id is set in ``b2a.lib.log.request_id`` for
every log line of the request, and sent back in the answer's ``X-Request-ID``
so a user's report can be matched to the server's lines.
"""

from __future__ import annotations

import re
import uuid

from litestar.types import ASGIApp, Message, Receive, Scope, Send

from b2a.lib.log import request_id, tenant_id

HEADER = b"x-request-id"
_SHAPE = re.compile(rb"[A-Za-z0-9._:\-]{1,64}")


def _incoming(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER and _SHAPE.fullmatch(value):
            return value.decode()
    return uuid.uuid4().hex


def with_request_id(app: ASGIApp) -> ASGIApp:
    """Wrap ``app`` so each HTTP request runs with its id (and no tenant until one is known)."""

    async def identified(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        current = _incoming(scope)
        # One connection's requests share a task: reset, so no id or tenant leaks to the next.
        request_token = request_id.set(current)
        tenant_token = tenant_id.set("")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (HEADER, current.encode())]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await app(scope, receive, send_with_id)
        finally:
            tenant_id.reset(tenant_token)
            request_id.reset(request_token)

    return identified

"""``HEAD`` wherever ``GET`` works: answered by the ``GET`` handler, without the body.

Litestar routes a method only to handlers declared for it, so ``HEAD /`` was a
405 although ``GET /`` works; monitors and link checkers send HEAD. Rather than
declare HEAD on every handler (which would also list a HEAD operation beside
every GET in the OpenAPI document), the app's ASGI entry asks for ``GET`` and
drops the body it sends back; the headers, ``content-length`` included, are the
ones ``GET`` would send. Where no ``GET`` exists the answer stays a 405.
"""

from __future__ import annotations

from typing import cast

from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send


def answer_head(app: ASGIApp) -> ASGIApp:
    """Wrap ``app`` so a ``HEAD`` request runs as ``GET`` and its body is not sent."""

    async def head_as_get(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or cast("HTTPScope", scope)["method"] != "HEAD":
            await app(scope, receive, send)
            return
        as_get = cast("HTTPScope", {**scope, "method": "GET"})

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                more = message.get("more_body", False)
                message = {"type": "http.response.body", "body": b"", "more_body": more}
            await send(message)

        # A copy: the server still reads its own scope's "HEAD" to send no body.
        await app(as_get, receive, send_headers_only)

    return head_as_get

"""What the edge refuses before any handler reads a request: one check of every input.

Every request but the webhooks' and static files' passes ``HostileInput`` once,
after routing and before authentication, guards and handlers, so no route can
forget it and no handler repeats it:

- a query parameter, path parameter, JSON string (or key) or form field (a file's
  name included) holding a character text may not hold (``b2a.lib.text``: NUL,
  the other C0 controls but tab, LF and CR, lone surrogates) is refused with 422
  ``VALIDATION_ERROR`` naming the field (``items[0].name`` inside a JSON body);
- a JSON body larger than ``MAX_JSON_BYTES`` is refused with 413
  ``PAYLOAD_TOO_LARGE``; one that is not JSON, or nests deeper than
  ``MAX_JSON_DEPTH``, with 400 ``BAD_REQUEST`` saying which.

The body is read and parsed through Litestar's own ``Request``, which keeps what
it read in the connection's state: the handler gets the same bytes, JSON value
and form without reading or parsing anything twice. A route whose words are a
customer's (the sandbox plays one) sets ``opt={"inbound_text": True}``: its
text is not refused but kept with those characters replaced, as WhatsApp's
is (``inbox.service``). Webhooks never come here: what a phone sent is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import SerializationException
from litestar.middleware import ASGIMiddleware
from litestar.params import BodyKwarg
from litestar.types import ASGIApp, Receive, Scope, Send

from b2a.errors import BadRequest, Invalid, PayloadTooLarge
from b2a.lib.text import first_unusable

MAX_JSON_BYTES = 1_000_000
"""The largest JSON body any route takes (a template or the opening hours are a few KB)."""
MAX_JSON_DEPTH = 32
"""How deeply a JSON body may nest; the deepest route's own shape nests 5 levels."""
UNCHECKED = ("/webhooks/", "/static/")
"""Paths this edge leaves alone: WhatsApp's and Stripe's deliveries, and files."""

FORMS = (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART)


def refuse(field: str) -> Invalid:
    """The 422 for a field holding a character text may not hold."""
    return Invalid(
        f"{field} holds a control character (such as NUL) that text may not contain.",
        field=field,
    )


def _check(field: str, value: str) -> None:
    if first_unusable(value) is not None:
        raise refuse(field)


def _strings(value: Any, path: str, depth: int = 0) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value with the field it sits in; keys are named by their parent.

    Raises:
        BadRequest: the value nests deeper than ``MAX_JSON_DEPTH``.
    """
    if depth > MAX_JSON_DEPTH:
        raise BadRequest(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(value, str):
        yield path or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield path or "body", key
            yield from _strings(item, f"{path}.{key}" if path else key, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path or 'body'}[{index}]", depth + 1)


def _body_kind(request: Request[Any, Any, Any]) -> str:
    """``json``, ``form`` or ``""`` (a body this edge does not read, e.g. a CSV upload)."""
    content_type, _ = request.content_type
    if content_type in FORMS:
        return "form"
    if content_type == "application/json" or content_type.endswith("+json"):
        return "json"
    data = request.route_handler.parsed_data_field
    if data is None:
        return ""
    declared = data.kwarg_definition
    media_type = declared.media_type if isinstance(declared, BodyKwarg) else "application/json"
    # Litestar reads a JSON ``data`` whatever Content-Type the client claimed.
    return "json" if media_type == RequestEncodingType.JSON else ""


async def _check_json(request: Request[Any, Any, Any], *, text: bool) -> None:
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES:,} bytes.")
    body = await request.body()
    if not body:
        return
    if len(body) > MAX_JSON_BYTES:
        raise PayloadTooLarge(f"a JSON body may be at most {MAX_JSON_BYTES:,} bytes.")
    try:
        value = await request.json()
    except RecursionError:
        raise BadRequest(f"the JSON body nests deeper than {MAX_JSON_DEPTH} levels.") from None
    except SerializationException as exc:
        raise BadRequest(f"the body is not valid JSON ({exc.detail or exc}).") from None
    for field, string in _strings(value, ""):
        if text:
            _check(field, string)


async def _check_form(request: Request[Any, Any, Any]) -> None:
    form = await request.form()
    for name, value in form.multi_items():
        _check(name, name)
        if isinstance(value, UploadFile):
            _check(name, value.filename or "")
        elif isinstance(value, str):
            _check(name, value)


def _unchecked(scope: Scope) -> bool:
    return str(scope["path"]).startswith(UNCHECKED)


class HostileInput(ASGIMiddleware):
    """Refuses unusable characters, malformed or deep JSON, before anything else reads them."""

    scopes = (ScopeType.HTTP,)
    # By the request's path: Litestar 3 matches ``exclude_path_pattern`` against the
    # handler's path instead, and the static files' handler path is ``/static``.
    should_bypass_for_scope = staticmethod(_unchecked)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        """Check the query, the path parameters and the body; then pass the request on."""
        request: Request[Any, Any, Any] = Request(scope, receive, send)
        query = scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
            _check(name, name)
            _check(name, value)
        for name, value in scope.get("path_params", {}).items():
            if isinstance(value, str):
                _check(name, value)
        text = not request.route_handler.opt.get("inbound_text", False)
        kind = _body_kind(request) if scope.get("method") not in ("GET", "HEAD") else ""
        if kind == "json":
            await _check_json(request, text=text)
        elif kind == "form" and text:
            await _check_form(request)
        await next_app(scope, receive, send)

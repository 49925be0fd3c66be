"""A local stand-in for Stripe's API, speaking its wire format, and signed webhook events.

It reads form-encoded bodies the way Stripe does (``line_items[0][price]=…``),
checks the bearer secret key, and answers the endpoints b2a calls with Stripe's
objects: customers, Checkout Sessions, billing portal sessions, subscriptions
(retrieve) and the key's own account (``GET /v1/account``, the key test).
Unknown ids answer 400/404 with ``resource_missing`` as Stripe does.
Tests play Stripe's part too: ``complete_checkout`` turns a session into a
subscription with item-level billing periods (API 2025-03-31.basil and later),
``update_subscription`` moves it, ``invoice`` makes the invoice of a payment,
and ``signed`` builds the ``Stripe-Signature`` of a webhook body.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SECRET_KEY = "sk_test_51FakeKeyForB2aTests0123456789abcdef"
WEBHOOK_SECRET = "whsec_fakeSigningSecretForB2aTests0123"
API_VERSION = "2026-10-28.endive"
ACCOUNT = {
    "id": "acct_1FakeB2aHosting",
    "object": "account",
    "business_profile": {"name": "B2A Hosting"},
    "email": "billing@b2a.test",
    "country": "PK",
    "default_currency": "usd",
    "charges_enabled": True,
}
MONTH = 30 * 24 * 3600


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


def parse_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_listify(node[k]) for k in sorted(node, key=int)]
    return {k: _listify(v) for k, v in node.items()}


@dataclass
class StripeState:
    """What the fake has seen and holds."""

    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    portal_sessions: list[dict[str, Any]] = field(default_factory=list)
    subscriptions: dict[str, dict[str, Any]] = field(default_factory=dict)
    prices: set[str] = field(default_factory=set)
    coupons: set[str] = field(default_factory=set)
    requests: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def complete_checkout(
        self, session_id: str, *, trial_days: int | None = None
    ) -> dict[str, Any]:
        """The customer paid: the session now has an active (or trialing) subscription."""
        with self.lock:
            session = self.sessions[session_id]
            data = session["_params"].get("subscription_data", {})
            days = int(data.get("trial_period_days", 0)) if trial_days is None else trial_days
            now = int(time.time())
            item = session["_params"]["line_items"][0]
            price = item.get("price") or _id("price")
            subscription = {
                "id": _id("sub"),
                "object": "subscription",
                "customer": session["customer"],
                "status": "trialing" if days else "active",
                "cancel_at_period_end": False,
                "created": now,
                "trial_end": now + days * 86400 if days else None,
                "metadata": data.get("metadata", {}),
                "items": {
                    "object": "list",
                    "data": [
                        {
                            "id": _id("si"),
                            "object": "subscription_item",
                            "price": {"id": price, "object": "price"},
                            "quantity": 1,
                            "current_period_start": now,
                            "current_period_end": now + (days * 86400 if days else MONTH),
                        }
                    ],
                },
                "livemode": False,
            }
            self.subscriptions[subscription["id"]] = subscription
            session.update(
                status="complete", payment_status="paid", subscription=subscription["id"]
            )
            return _public(session)

    def update_subscription(self, subscription_id: str, **changes: Any) -> dict[str, Any]:
        """Change a subscription as Stripe would (status, period, cancel flags)."""
        with self.lock:
            subscription = self.subscriptions[subscription_id]
            period = changes.pop("period", None)
            subscription.update(changes)
            if period is not None:
                item = subscription["items"]["data"][0]
                item["current_period_start"], item["current_period_end"] = period
            return json.loads(json.dumps(subscription))

    def invoice(
        self, subscription_id: str, *, paid: bool, amount: int = 2900, created: int | None = None
    ) -> dict[str, Any]:
        """The invoice of one billing period of a subscription (basil shape: ``parent``)."""
        subscription = self.subscriptions[subscription_id]
        return {
            "id": _id("in"),
            "object": "invoice",
            "customer": subscription["customer"],
            "number": f"B2A-{uuid.uuid4().hex[:6].upper()}",
            "status": "paid" if paid else "open",
            "amount_due": amount,
            "amount_paid": amount if paid else 0,
            "currency": "usd",
            "created": created if created is not None else int(time.time()),
            "hosted_invoice_url": "https://invoice.stripe.com/i/acct_test/live_x",
            "parent": {
                "type": "subscription_details",
                "subscription_details": {
                    "subscription": subscription_id,
                    "metadata": subscription["metadata"],
                },
            },
        }


def _public(obj: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


def event(kind: str, obj: dict[str, Any], *, created: int | None = None) -> dict[str, Any]:
    """A Stripe event around ``obj``, as the webhook endpoint receives it."""
    return {
        "id": _id("evt"),
        "object": "event",
        "api_version": API_VERSION,
        "created": created if created is not None else int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": kind,
    }


def signed(
    payload: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a webhook delivery, signed the way Stripe signs them."""
    body = json.dumps(payload).encode()
    timestamp = at if at is not None else int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    header = f"t={timestamp},v1={digest.hexdigest()}"
    return body, {"Stripe-Signature": header, "Content-Type": "application/json"}


def _error(status: int, message: str, *, code: str = "", param: str = "") -> tuple[int, Any]:
    error: dict[str, Any] = {"type": "invalid_request_error", "message": message}
    if code:
        error["code"] = code
    if param:
        error["param"] = param
    return status, {"error": error}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:
        pass

    def _reply(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Request-Id", _id("req"))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        if self.headers.get("Authorization") == f"Bearer {self.server.secret_key}":
            return True
        key = self.headers.get("Authorization", "")[-4:]
        self._reply(*_error(401, f"Invalid API Key provided: sk_test_****{key}"))
        return False

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        if not self._authorised():
            return
        params = parse_form(raw)
        path = urlsplit(self.path).path
        with self.server.state.lock:
            self.server.state.requests.append(("POST", path, params))
        routes = {
            "/v1/customers": self._customer,
            "/v1/checkout/sessions": self._checkout,
            "/v1/billing_portal/sessions": self._portal,
        }
        handler = routes.get(path)
        if handler is None:
            self._reply(*_error(404, f"Unrecognized request URL (POST: {path})."))
            return
        self._reply(*handler(params))

    def do_GET(self) -> None:
        if not self._authorised():
            return
        path = urlsplit(self.path).path
        state = self.server.state
        with state.lock:
            state.requests.append(("GET", path, {}))
        if path == "/v1/account":
            self._reply(200, ACCOUNT)
            return
        with state.lock:
            found = re.fullmatch(r"/v1/subscriptions/(\w+)", path)
            subscription = state.subscriptions.get(found.group(1)) if found else None
            body = json.loads(json.dumps(subscription)) if subscription else None
        if body is None:
            self._reply(
                *_error(
                    404,
                    f"No such subscription: '{path.rsplit('/', 1)[-1]}'",
                    code="resource_missing",
                    param="id",
                )
            )
            return
        self._reply(200, body)

    def _customer(self, params: dict[str, Any]) -> tuple[int, Any]:
        customer = {
            "id": _id("cus"),
            "object": "customer",
            "email": params.get("email"),
            "name": params.get("name"),
            "metadata": params.get("metadata", {}),
            "created": int(time.time()),
            "livemode": False,
        }
        with self.server.state.lock:
            self.server.state.customers[customer["id"]] = customer
        return 200, customer

    def _checkout(self, params: dict[str, Any]) -> tuple[int, Any]:
        state = self.server.state
        if params.get("customer") and params["customer"] not in state.customers:
            return _error(
                400,
                f"No such customer: '{params['customer']}'",
                code="resource_missing",
                param="customer",
            )
        for item in params.get("line_items", []):
            if "price" in item and item["price"] not in state.prices:
                return _error(
                    400,
                    f"No such price: '{item['price']}'",
                    code="resource_missing",
                    param="line_items[0][price]",
                )
        for discount in params.get("discounts", []):
            if discount.get("coupon") not in state.coupons:
                return _error(
                    400,
                    f"No such coupon: '{discount.get('coupon')}'",
                    code="resource_missing",
                    param="discounts[0][coupon]",
                )
        session_id = _id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "customer": params.get("customer"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "status": "open",
            "payment_status": "unpaid",
            "subscription": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "livemode": False,
            "_params": params,
        }
        with state.lock:
            state.sessions[session_id] = session
        return 200, _public(session)

    def _portal(self, params: dict[str, Any]) -> tuple[int, Any]:
        if params.get("customer") not in self.server.state.customers:
            return _error(
                400,
                f"No such customer: '{params.get('customer')}'",
                code="resource_missing",
                param="customer",
            )
        session = {
            "id": _id("bps"),
            "object": "billing_portal.session",
            "customer": params["customer"],
            "return_url": params.get("return_url"),
            "url": f"https://billing.stripe.com/p/session/test_{uuid.uuid4().hex[:16]}",
            "livemode": False,
        }
        with self.server.state.lock:
            self.server.state.portal_sessions.append(session)
        return 200, session


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: StripeState, secret_key: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state
        self.secret_key = secret_key


class FakeStripe:
    """Run the fake on a free loopback port for the duration of a ``with`` block."""

    def __init__(self, secret_key: str = SECRET_KEY) -> None:
        self.state = StripeState()
        self._server = _Server(self.state, secret_key)
        # A short poll: shutdown() waits for the loop's next look (0.5 s by default, per test).
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

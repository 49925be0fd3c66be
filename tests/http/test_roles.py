"""Every route of the built app, asked by every kind of caller: the answer class matches the role.

The walk is generic over ``app.routes``: a page or API route added later is
walked too, and its expected answer comes from what it declares
(``opt["public"]``, ``opt["exclude_from_auth"]``, ``opt["area"]``,
``opt["roles"]``, ``opt["tenant_optional"]``) through the one ``ACCESS`` table.
Path parameters are filled with real rows of Acme (``seeded``); a parameter
nobody seeded fails the test, so a new route cannot slip past unwalked.
State-changing requests carry a valid CSRF token, so what is tested is the
role check; one case proves a request without it is refused.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from b2a.billing.tables import Coupon, ManualPayment, Plan
from b2a.catalog import service as catalog
from b2a.catalog.schemas import FaqIn, ServiceIn
from b2a.inbox.rules import Transport
from b2a.inbox.tables import CannedReply, InboundEvent, Label, Message
from b2a.orders import service as orders
from b2a.orders.schemas import OrderCreate, OrderItemIn
from b2a.outbox import schedule, templates
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token
from b2a.tenants.notices import Announcement, Level, raise_notice
from b2a.tenants.rules import ACCESS, Area, Role
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.http.web.conftest import (
    Browser,
    make_browser,
    make_web_settings,  # noqa: F401
    settings,  # noqa: F401 (the app with a mail server: the invitation route sends)
    smtp,  # noqa: F401
    smtp_server,  # noqa: F401
)

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Routes outside the web UI's gate and the API's guard, each with its own check
# and its own tests (static files, probes, signed webhooks, the OpenAPI document).
OUTSIDE = re.compile(
    r"^/(static|health|ready|metrics|webhooks)(/|$)|^/api(/openapi\.json|/\{path:str\})?$"
)
# Streams never end; their gate is walked for refusals only.
STREAMS = {"/api/v1/events"}
# A valid body for the routes that judge what is asked before whose row it is
# ("{name}" is a seeded id); other writes are sent an empty form or ``{}``.
CONVERSATION = "/api/v1/conversations/{conversation_id:uuid}"
BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/app/team/{member_id:uuid}/role"): {"role": "STAFF"},
    ("POST", "/api/v1/sandbox/customers/{customer_id:uuid}/messages"): {"text": "hi"},
    ("POST", "/app/team/invite"): {"email": "new@acme.test", "role": "STAFF"},
    ("POST", f"{CONVERSATION}/labels"): {"label_id": "{label_id}"},
    ("POST", f"{CONVERSATION}/notes"): {"text": "a note"},
    ("POST", f"{CONVERSATION}/assign"): {"user_id": None},
    ("POST", f"{CONVERSATION}/status"): {"status": "RESOLVED"},
    ("POST", f"{CONVERSATION}/messages"): {"text": "hello"},
    ("PUT", "/api/v1/canned-replies/{reply_id:uuid}"): {"shortcut": "hours", "text": "9-5"},
    ("PUT", "/api/v1/labels/{label_id:uuid}"): {"name": "VIP", "color": "#64748b"},
    ("POST", "/app/replies/{reply_id:uuid}"): {"shortcut": "hours", "text": "9-5"},
    ("POST", "/app/labels/{label_id:uuid}"): {"name": "VIP", "color": "#64748b"},
    ("PATCH", "/api/v1/orders/{order_id:uuid}"): {"details": {}},
    ("POST", "/api/v1/customers"): {"phone": "+447911123456"},
    ("POST", "/app/customers"): {"phone": "+447911123456"},
    ("POST", "/api/v1/orders/{order_id:uuid}/reject"): {"note": "booked"},
    ("PUT", "/api/v1/admin/billing"): {
        "local": {"currency": "PKR", "methods": {"EASYPAISA": {"enabled": False}}}
    },
    ("POST", "/admin/billing/local"): {"currency": "PKR"},
    ("POST", "/admin/billing/stripe"): {"secret_key": "sk_test_walk00000000"},
}
CUSTOMERS_CSV = ("customers.csv", b"name,phone\nWalk,+923001234567\n", "text/csv")
FILES = {
    ("POST", f"{CONVERSATION}/messages/media"): {"file": ("a.txt", b"hello", "text/plain")},
    ("POST", "/api/v1/customers/import"): {"file": CUSTOMERS_CSV},
    ("POST", "/app/customers/import"): {"file": CUSTOMERS_CSV},
}
PARAM = re.compile(r"\{(\w+):\w+\}")
# Path parameters that name nothing a tenant owns (words, and plans every tenant may buy).
SHARED = {"action", "shortcut", "plan_id"}


@dataclass(frozen=True)
class Route:
    """One method of one route, and what it declares."""

    method: str
    path: str
    opt: dict[str, Any]

    @property
    def is_api(self) -> bool:
        return self.path.startswith("/api/v1/")

    @property
    def public(self) -> bool:
        return bool(self.opt.get("public") or self.opt.get("exclude_from_auth"))

    def allows(self, actor: Actor) -> bool:
        """Whether the gate admits ``actor``, from the route's declarations alone."""
        area = self.opt["area"]
        if actor.is_super_admin:
            return area is Area.ADMIN or (not self.is_api and bool(self.opt.get("tenant_optional")))
        roles = self.opt.get("roles") or ACCESS[area]
        return actor.role in ACCESS[area] and actor.role in roles

    def url(self, seeded: dict[str, str]) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1)
            assert name in seeded, f"{self.method} {self.path}: seed a value for {{{name}}}"
            return seeded[name]

        return PARAM.sub(value, self.path)

    @property
    def names_rows(self) -> bool:
        return any(name not in SHARED for name in PARAM.findall(self.path))


def walked_routes(app: Any) -> list[Route]:
    """Every method of every page and API route; anything else must be known to be outside."""
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                if OUTSIDE.match(route.path):
                    continue
                opt = dict(handler.opt)
                assert route.path.startswith(("/app", "/admin", "/api/v1/")) or opt.get("public"), (
                    f"{method} {route.path} is neither a page, nor the API, nor known"
                )
                assert opt.get("area") or opt.get("public") or opt.get("exclude_from_auth"), (
                    f"{method} {route.path} declares neither an area nor public"
                )
                found.append(Route(method, route.path, opt))
    return found


async def seed(cast: Any) -> dict[str, str]:
    """One row of Acme for each path parameter of the app."""
    owner = cast.acme_owner.actor
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    message = await Message.objects().where(Message.conversation == conversation.id).first()
    label = scope.new(Label, name="VIP")
    reply = scope.new(CannedReply, shortcut="hours", text="9 to 5")
    plan = Plan(name="Pro", price_minor=1000)
    coupon = Coupon(code="WALK10", value=10)
    for row in (label, reply, plan, coupon):
        await row.save()
    payment = scope.new(
        ManualPayment,
        plan=plan.id,
        method="BANK_TRANSFER",
        sender_name="A",
        reference="r1",
        amount_minor=1000,
        currency="PKR",
    )
    await payment.save()
    service = await catalog.create_service(owner, ServiceIn(name="Haircut", price="1500"))
    entry = await catalog.create_faq_entry(owner, FaqIn("Open?", "Yes."))
    items = [OrderItemIn(service.id, 1)]
    order = await orders.create_order(
        owner, OrderCreate(conversation.id, items, {"address": "12 Mall Road"})
    )
    template = await templates.create_template(owner, "Hi", "Hi {{name}}")
    later = datetime.now(UTC) + timedelta(days=1)
    scheduled = await schedule.schedule_message(
        scope, schedule.ScheduleRequest(conversation.customer, later, "Hi")
    )
    extra = await tenants.create_user(owner, "extra@acme.test", password=PASSWORD)
    notice = await raise_notice(
        scope, Announcement("account_update", Level.WARNING, "Restricted.", "account:restriction")
    )
    token = await create_api_token(Actor.operator("tests"), cast.acme_owner.email, name="walk")
    dead = scope.new(
        InboundEvent,
        source=Transport.SANDBOX,
        dedupe_key="msg:wamid.walk",
        payload={},
        attempts=5,
        last_error="RuntimeError: walked",
        dead_at=datetime.now(UTC),
    )
    await dead.save()
    ids = {
        "conversation_id": conversation.id,
        "customer_id": conversation.customer,
        "message_id": message.id,
        "label_id": label.id,
        "reply_id": reply.id,
        "plan_id": plan.id,
        "payment_id": payment.id,
        "service_id": service.id,
        "entry_id": entry.id,
        "order_id": order.id,
        "template_id": template.id,
        "schedule_id": scheduled.id,
        "member_id": extra.user_id,
        "token_id": token.id,
        "tenant_id": cast.acme_owner.tenant_id,
        "coupon_id": coupon.id,
        "notice_id": notice.id,
        "event_id": dead.id,
    }
    return {**{k: str(v) for k, v in ids.items()}, "action": "approve", "shortcut": "hours"}


async def ask(
    browser: Browser | None, client: httpx.AsyncClient, route: Route, seeded: dict[str, str]
) -> int:
    """The status of one request, with the caller's CSRF token on writes."""
    headers = {"Accept": "application/json" if route.is_api else "text/html"}
    kwargs: dict[str, Any] = {}
    key = (route.method, route.path)
    body = {
        k: v.format(**seeded) if isinstance(v, str) else v for k, v in BODIES.get(key, {}).items()
    }
    if browser is not None and route.method in WRITES:
        headers["X-CSRF-Token"] = browser.csrf
        if key in FILES:
            kwargs["files"] = FILES[key]
        elif route.is_api:
            kwargs["json"] = body
        else:
            kwargs["data"] = {"_csrf": browser.csrf, **body}
    url = route.url(seeded)
    response = await client.request(route.method, url, headers=headers, **kwargs)
    assert response.status_code < 500, (route.method, url, response.text[:300])
    return response.status_code


@pytest.fixture
async def super_admin(db):
    made = await tenants.create_user(
        Actor.operator("tests"), "root@b2a.test", password=PASSWORD, role=Role.SUPER_ADMIN
    )
    return Actor(made.user_id, Role.SUPER_ADMIN, None, made.email)


async def _logged_in(app: Any, email: str) -> tuple[Browser, httpx.AsyncClient]:
    client = make_browser(app)
    browser = Browser(client)
    await browser.log_in(email, PASSWORD)
    await browser.get("/app/account")
    return browser, client


async def test_every_route_answers_each_role_as_its_declarations_say(app, cast, super_admin):
    seeded = await seed(cast)
    routes = walked_routes(app)
    assert any(r.path == "/app/orders/{order_id:uuid}" for r in routes)
    assert any(r.is_api and r.method == "PATCH" for r in routes)
    # Write-safe order: the outsider first, while every row of Acme is still there;
    # the logout and the removal of a member are walked for refusals, never performed.
    # Changing the password ends the caller's sessions; a wrong one is a 401 by design.
    never_performed = {
        ("POST", "/logout"),
        ("POST", "/app/team/{member_id:uuid}/remove"),
        ("POST", "/app/account/password"),
    }
    anonymous = make_browser(app)
    visitor = Browser(anonymous)
    await visitor.get("/login")
    for route in routes:
        if route.public:
            continue
        status = await ask(visitor, anonymous, route, seeded)
        if route.is_api:
            assert status == 401, (route.method, route.path, status)
        else:
            assert status == 303, (route.method, route.path, status)
    await anonymous.aclose()

    # The super admin goes last: the admin panel's writes may suspend Acme.
    callers = [
        ("globex", cast.globex_owner.email, cast.globex_owner.actor),
        ("staff", cast.acme_agent.email, cast.acme_agent.actor),
        ("owner", cast.acme_owner.email, cast.acme_owner.actor),
        ("root", "root@b2a.test", super_admin),
    ]
    wrong = []
    for who, email, actor in callers:
        browser, client = await _logged_in(app, email)
        for route in routes:
            if route.public or (route.method, route.path) in never_performed:
                continue
            allowed = route.allows(actor)
            if allowed and (route.path in STREAMS or (who == "globex" and not route.names_rows)):
                continue
            status = await ask(browser, client, route, seeded)
            if not allowed:
                expected = status == 403
            elif who == "globex":
                expected = status == 404
            elif who == "root" and route.names_rows and route.opt["area"] is not Area.ADMIN:
                expected = status in (403, 404)  # Acme's rows are not the operator's own
            else:
                expected = status not in (401, 403)
            if not expected:
                wrong.append((who, route.method, route.path, status))
        await client.aclose()
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_walk_covers_the_saved_replies_and_labels_pages(app):
    walked = {(r.method, r.path) for r in walked_routes(app)}
    for page in ("/app/replies", "/app/labels"):
        assert {("GET", page), ("POST", page)} <= walked
    assert ("POST", "/app/labels/{label_id:uuid}/delete") in walked
    assert ("POST", "/app/replies/{reply_id:uuid}/delete") in walked
    assert ("GET", "/app/replies/{reply_id:uuid}") in walked


async def test_a_state_changing_request_without_the_csrf_token_is_refused(app, cast):
    seeded = await seed(cast)
    browser, client = await _logged_in(app, cast.acme_owner.email)
    order = seeded["order_id"]
    page = await client.post(f"/app/orders/{order}/approve", data={"note": "x"})
    assert page.status_code == 403 and "CSRF" in page.text
    api = await client.post(f"/api/v1/orders/{order}/approve", json={})
    assert api.status_code == 403
    with_token = await browser.post(f"/app/orders/{order}/approve", {"note": "x"})
    assert with_token.status_code == 303
    await client.aclose()


def test_a_route_without_a_seeded_parameter_fails_the_walk():
    route = Route("GET", "/app/things/{thing_id:uuid}", {"area": "inbox"})
    with pytest.raises(AssertionError, match="seed a value for"):
        route.url({"order_id": str(uuid.uuid4())})

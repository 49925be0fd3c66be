"""Live events in a real browser, on a live ``b2a serve`` + ``b2a worker``: a dropped stream
gets what it missed once, the tab title counts unread conversations, and a user who switched
desktop notifications on is shown one for a customer's message.

The customer writes through the sandbox API (as a script would), so these tests need no page
but the ones under test. The page's events are recorded by listening to ``b2a:live``, the
DOM event live.js hands each one on as; notifications by wrapping the browser's
``Notification`` constructor.
"""

import json
import uuid

import httpx
import pytest
from playwright.async_api import expect
from redis.asyncio import Redis

from b2a.lib import events
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token
from b2a.tenants.rules import Role
from b2a.tenants.tables import User
from tests.browser.conftest import unique_email
from tests.pipeline import eventually

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

RECORD_EVENTS = """
window.liveEvents = [];
document.addEventListener("b2a:live", (e) => window.liveEvents.push(e.detail));
"""
# The browser's own Notification, counted: each one shown is kept in window.shown.
COUNT_NOTIFICATIONS = """
window.shown = [];
const Browser = window.Notification;
class Counted extends Browser {
  constructor(title, options) {
    super(title, options);
    window.shown.push({ title, body: (options || {}).body });
  }
}
window.Notification = Counted;
"""
CUSTOMER = "+923001234567"


class Customer:
    """A sandbox customer of the visitor's business, writing through the API."""

    def __init__(self, stack, token: str, tenant_id: str) -> None:
        self.stack = stack
        self.headers = {"Authorization": f"Bearer {token}"}
        self.tenant_id = tenant_id

    async def say(self, text: str) -> None:
        async with httpx.AsyncClient(base_url=self.stack.base_url) as client:
            sent = await client.post(
                "/api/v1/sandbox/messages",
                json={"phone": CUSTOMER, "name": "Ayesha", "text": text},
                headers=self.headers,
            )
        assert sent.status_code == 202, sent.text

    async def stored(self, count: int) -> None:
        """Wait until the worker has stored (and announced) ``count`` of their messages."""
        redis = Redis.from_url(self.stack.env["B2A_REDIS_URL"], decode_responses=True)

        async def announced():
            got = await events.read_after(redis, self.tenant_id, events.START, block_ms=1)
            inbound = [e for e in got if json.loads(e.data).get("direction") == "INBOUND"]
            return len(inbound) >= count

        try:
            await eventually(announced, timeout=30)
        finally:
            await redis.aclose()


async def _business(visitor) -> Customer:
    email = unique_email("owner")
    await visitor.sign_up(f"Live Shop {uuid.uuid4().hex[:6]}", email)
    user = await User.objects().where(User.email == email).first()
    actor = Actor(user.id, Role(user.role), user.tenant, email)
    token = await create_api_token(actor, email, name="customer script")
    return Customer(visitor.stack, token.token, str(user.tenant))


MESSAGES = """window.liveEvents
  .filter((e) => e.type === "message.created" && e.data.direction === "INBOUND")
  .map((e) => e.data.message_id)"""


async def _customer_messages(page) -> list[str]:
    return await page.evaluate(MESSAGES)


async def _received(page, count: int) -> None:
    async def arrived():
        return len(await _customer_messages(page)) >= count

    await eventually(arrived)


def _forgive_the_drop(visitor, before: int) -> None:
    """The server was killed on purpose: the page's requests in flight then failed (htmx
    reports each); anything else is still a problem."""
    dropped = visitor.problems[before:]
    assert all(p.startswith("htmx:") or p == "undefined" for p in dropped), dropped
    del visitor.problems[before:]


async def test_a_dropped_stream_gets_what_it_missed_once_when_it_reconnects(visitor, stack_db):
    await visitor.page.add_init_script(RECORD_EVENTS)
    customer = await _business(visitor)
    inbox = visitor.page
    await visitor.goto("/app/inbox")
    await expect(inbox.locator("body[data-live=on]")).to_have_count(1)
    await customer.say("Assalam o alaikum, is anyone there?")
    await expect(inbox.locator(".conv")).to_have_count(1)
    assert len(await _customer_messages(inbox)) == 1

    # The stream drops (the server dies) and cannot come back until the second message is in.
    await inbox.route("**/api/v1/events**", lambda route: route.abort())
    before = len(visitor.problems)
    visitor.stack.kill("serve")
    await expect(inbox.locator("body[data-live=off]")).to_have_count(1)
    visitor.stack.start("serve")
    await customer.say("Do you deliver to Lahore?")
    await customer.stored(2)
    assert len(await _customer_messages(inbox)) == 1, "nothing arrived while dropped"

    # EventSource reconnects by itself, with the id of the last event it received.
    await inbox.unroute("**/api/v1/events**")
    await expect(inbox.locator("body[data-live=on]")).to_have_count(1)
    _forgive_the_drop(visitor, before)
    await _received(inbox, 2)
    await customer.say("And to Karachi?")  # live again after the replay
    await _received(inbox, 3)
    received = await _customer_messages(inbox)
    assert len(received) == 3 and len(set(received)) == 3, "the missed one once, no repeat"
    await expect(inbox.locator(".conv")).to_have_count(1)
    await expect(inbox.locator(".conv")).to_contain_text("Karachi")


async def test_notifications_switched_on_show_a_new_message_and_the_title_counts_unread(
    visitor, stack_db
):
    await visitor.page.add_init_script(COUNT_NOTIFICATIONS)
    customer = await _business(visitor)
    page = visitor.page
    await page.context.grant_permissions(["notifications"], origin=visitor.base_url)

    await visitor.goto("/app/account")
    await expect(page.get_by_label("Show a desktop notification")).not_to_be_checked()
    await page.get_by_label("Show a desktop notification").check()
    await page.get_by_role("button", name="Save notifications").click()
    await expect(page.get_by_text("Your notifications are saved.")).to_be_visible()
    await expect(page.get_by_label("Show a desktop notification")).to_be_checked()

    await visitor.goto("/app/orders")
    await expect(page.locator("body[data-live=on]")).to_have_count(1)
    title = await page.title()
    assert not title.startswith("(")
    await customer.say("Is the red dress still in stock?")

    await expect(page).to_have_title(f"(1) {title}")
    # A new message, then the assistant (no catalogue to answer from) hands it to the team.
    await eventually(lambda: page.evaluate("window.shown.length >= 2"))
    shown = sorted((s["title"], s["body"]) for s in await page.evaluate("window.shown"))
    assert shown == [
        (
            "Needs your team: Ayesha",
            "The assistant was unsure: the assistant did not understand the message.",
        ),
        ("New message: Ayesha", "Is the red dress still in stock?"),
    ]
    await visitor.shot("notifications-on")


async def test_no_notification_is_shown_to_a_user_who_did_not_switch_them_on(visitor, stack_db):
    await visitor.page.add_init_script(COUNT_NOTIFICATIONS + RECORD_EVENTS)
    customer = await _business(visitor)
    page = visitor.page
    await page.context.grant_permissions(["notifications"], origin=visitor.base_url)
    await visitor.goto("/app/orders")
    await expect(page.locator("body[data-live=on]")).to_have_count(1)
    await customer.say("Is the red dress still in stock?")
    handed_over = "window.liveEvents.some((e) => e.data.owner === 'HUMAN' && e.data.reason)"
    await eventually(lambda: page.evaluate(handed_over))  # after the customer's message
    await expect(page).to_have_title("(1) Orders · b2a")
    assert await page.evaluate("window.shown") == []

"""A reply the sending limit holds says so in the thread and in the API, in the business's time."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from b2a.inbox.rules import DeliveryState
from b2a.inbox.tables import Message
from b2a.tenants.tables import Tenant
from tests.http.api.conftest import bearer, sandbox_channel, seed_conversation
from tests.http.web.test_inbox import _logged_in
from tests.pipeline import eventually

KARACHI = ZoneInfo("Asia/Karachi")


@pytest.fixture
def settings(make_web_settings):
    # Two replies per customer per hour: the third is held for the whole test, whatever its pace.
    return make_web_settings(B2A_SEND_PER_CUSTOMER="2", B2A_SEND_CUSTOMER_WINDOW_SECONDS="3600")


async def test_a_held_reply_shows_when_it_leaves_and_the_api_carries_held_until(
    browser, cast, worker
):
    scope = await _logged_in(browser, cast.acme_owner)
    await Tenant.update({Tenant.time_zone: "Asia/Karachi"}).where(Tenant.id == scope.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    for n in range(4):
        sent = await browser.submit(
            f"/app/inbox/{conversation.id}/reply",
            {"text": f"reply {n}"},
            page=f"/app/inbox/{conversation.id}",
        )
        assert sent.status_code == 303, sent.text

    async def held():
        rows = await scope.select(Message, Message.text, Message.state, Message.held_until).where(
            Message.conversation == conversation.id
        )
        by_text = {r["text"]: r for r in rows}
        if [by_text[f"reply {n}"]["state"] for n in range(4)] != [
            "SENT",
            "SENT",
            "QUEUED",
            "QUEUED",
        ]:
            return None
        return by_text if by_text["reply 3"]["held_until"] else None

    rows = await eventually(held, timeout=30)
    third, fourth = rows["reply 2"]["held_until"], rows["reply 3"]["held_until"]
    assert third <= fourth, "the one made later leaves no earlier"

    page = await browser.get(f"/app/inbox/{conversation.id}")
    notes = re.findall(
        r"Delayed by the sending limit — leaves about <time[^>]*>([^<]+)</time>", page.text
    )
    assert notes == [f"{third.astimezone(KARACHI):%H:%M}", f"{fourth.astimezone(KARACHI):%H:%M}"]

    token = await bearer(cast.acme_owner.email)
    thread = await browser.client.get(
        f"/api/v1/conversations/{conversation.id}/messages", headers=token
    )
    items = {m["text"]: m for m in thread.json()["items"]}
    assert datetime.fromisoformat(items["reply 2"]["held_until"]) == third
    assert (
        items["reply 0"]["held_until"] is None and items["reply 0"]["state"] == DeliveryState.SENT
    )

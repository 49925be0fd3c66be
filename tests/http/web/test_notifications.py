"""My notifications: off by default, switched on in My account, carried by every panel page
together with the id its live events start after."""

import re

from b2a.lib import events
from b2a.tenants.tables import User
from tests.conftest import PASSWORD
from tests.http.web._admin import log_in_operator


def _body(html: str) -> str:
    return re.search(r"<body[^>]*>", html).group(0)


async def test_my_notifications_are_off_until_i_switch_them_on(browser, cast, redis):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    tenant = str(cast.acme_owner.tenant_id)
    since = await events.publish(redis, tenant, "message.created", n=1)

    page = await browser.get("/app/account")
    assert "Play a sound" in page.text and "Show a desktop notification" in page.text
    body = _body(page.text)
    assert f'data-live-since="{since}"' in body
    assert 'data-notify-sound="off"' in body and 'data-notify-desktop="off"' in body
    assert "/js/live.js" in page.text

    saved = await browser.post("/app/account/notifications", {"desktop": "on"})
    assert saved.status_code == 303

    inbox = _body((await browser.get("/app/inbox")).text)
    assert 'data-notify-sound="off"' in inbox and 'data-notify-desktop="on"' in inbox
    mine = await User.objects().where(User.id == cast.acme_agent.actor.user_id).first()
    owners = await User.objects().where(User.id == cast.acme_owner.actor.user_id).first()
    assert (mine.notify_sound, mine.notify_desktop) == (False, True)
    assert (owners.notify_sound, owners.notify_desktop) == (False, False), "mine only"

    await browser.post("/app/account/notifications", {"sound": "on"})
    again = _body((await browser.get("/app/orders")).text)
    assert 'data-notify-sound="on"' in again and 'data-notify-desktop="off"' in again


async def test_a_page_drawn_before_the_tenant_had_events_starts_from_the_beginning(browser, cast):
    await browser.log_in(cast.globex_owner.email, PASSWORD)
    body = _body((await browser.get("/app")).text)
    assert f'data-live-since="{events.START}"' in body


async def test_the_operators_own_pages_open_no_event_stream(browser, cast):
    await log_in_operator(browser)
    page = await browser.get("/app/account")
    assert "data-live-since" not in page.text and "/js/live.js" not in page.text
    assert "Play a sound" not in page.text

"""The thread page draws each inbound kind from its data, escaped, linking only http(s)."""

from b2a.inbox import service as inbox
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Conversation
from b2a.lib import clock
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel

PHONE = "923001234567"
SCRIPT = "<script>alert('x')</script>"


def inbound(wamid, kind="text", text="", **fields):
    return InboundMessage(
        wamid, [Identity("phone", PHONE)], PHONE, "Ayesha", kind, text, clock.now(), **fields
    )


MESSAGES = [
    inbound(
        "w.ad",
        text="Is the sale still on?",
        data={"referral": {"headline": "Eid sale: 20% off", "source_url": "https://fb.me/x"}},
    ),
    inbound(
        "w.row",
        "reply",
        "Home delivery",
        data={"id": "d", "title": "Home delivery", "description": "2 to 3 days", "source": "list"},
    ),
    inbound(
        "w.form",
        "form",
        "Size: M; Colour: blue",
        data={"name": "Order details", "fields": {"Size": "M", "Colour": "blue"}},
    ),
    inbound("w.call", "form", "Calls: accept", data={"call_permission": "accept"}),
    inbound(
        "w.poll", "poll", "Which day?", data={"question": "Which day?", "options": ["Fri", "Sat"]}
    ),
    inbound(
        "w.loc",
        "location",
        "📍 Home",
        data={"latitude": 24.8, "longitude": 67.0, "name": SCRIPT, "url": "javascript:alert(1)"},
    ),
    inbound("w.doc", "document", "our menu", filename="menu-2026.pdf"),
    inbound("w.odd", "unsupported", "A message of type hologram b2a cannot show yet"),
    inbound("w.quote", text="this one", reply_to="w.poll"),
    inbound(
        "w.sys",
        "system",
        "Ayesha changed their phone number",
        data={"type": "user_changed_number", "new_wa_id": "923009999999"},
    ),
]


async def test_every_kind_is_drawn_from_its_data(browser, cast):
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await sandbox_channel(scope)
    for message in MESSAGES:
        event_id = await inbox.accept_inbound(scope, channel.id, Transport.SANDBOX, message)
        await inbox.store_inbound(scope, event_id)
    conversation = await scope.objects(Conversation).first()
    page = await browser.get(f"/app/inbox/{conversation.id}")
    assert page.status_code == 200, page.text
    text = page.text
    assert '<p class="referral">From your ad: Eid sale: 20% off' in text
    assert '<span class="muted">Tapped:</span> Home delivery' in text
    assert '<p class="muted">2 to 3 days</p>' in text
    assert "<dt>Size</dt><dd>M</dd><dt>Colour</dt><dd>blue</dd>" in text
    assert "Agreed to be called" in text
    assert "<li>Fri</li><li>Sat</li>" in text
    assert "&lt;script&gt;alert(" in text and SCRIPT not in text
    assert "https://www.openstreetmap.org/?mlat=24.800000&amp;mlon=67.000000" in text
    assert "javascript:" not in text
    assert "menu-2026.pdf (not stored)" in text
    assert "A message of type hologram b2a cannot show yet" in text
    assert '<p class="quote-text">Which day?</p>' in text
    assert '<li class="msg-system"' in text and "Ayesha changed their phone number" in text
    listed = await browser.get("/app/inbox/list")
    assert "Ayesha changed their phone number" in listed.text

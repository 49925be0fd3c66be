"""A customer's "photo" that is really HTML runs nothing when the team opens it in the inbox.

The attack: one file is JavaScript, a second is an HTML page claiming to be a PNG
that loads the first from our own origin (where the app's policy trusts scripts).
Both arrive as a WhatsApp-Web transport hands them over (staged, then adopted by
the stack's worker). Opening the "photo" from the thread must download it, not
show it; a GIF-and-HTML polyglot opened directly shows as an image; and the page
title the script would set is never set.
"""

import pytest
from playwright.async_api import expect

from b2a.inbox.media import stage_inbound_media
from b2a.inbox.tables import Message
from tests import samples
from tests.browser.test_inbound_kinds import _business, _open_thread
from tests.pipeline import eventually

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

PWNED = "pwned"


def _page_loading(script_url: str, head: bytes = b"") -> bytes:
    return head + (
        b"<html><head><title>ok</title></head><body>"
        b"<script>document.title = 'pwned';</script>"
        b'<script src="' + script_url.encode() + b'"></script>'
        b'<img src="x" onerror="document.title = \'pwned\'"></body></html>'
    )


async def _receive(customer, page, wamid: str, content: bytes, mime: str, kind: str = "image"):
    """The customer sends a file; its bubble, once stored, and its message id."""
    media_root = customer.settings.core.media_root
    staged = stage_inbound_media(media_root, customer.scope.tenant_id, wamid, content)
    await customer.send(wamid, kind, "", media_file=staged, media_mime=mime)
    bubble = await customer.bubble(page, wamid)
    stored = await Message.objects().where(Message.wa_message_id == wamid).first()
    return bubble, stored.id


async def test_an_html_photo_from_a_customer_downloads_and_runs_nothing(visitor, stack, stack_db):
    customer = await _business(visitor, stack, quiet=True)
    page = visitor.page
    _, script_id = await _receive(
        customer, page, "w.js", samples.JAVASCRIPT, "application/javascript", "document"
    )
    script_url = f"/api/v1/messages/{script_id}/media"
    photo, _ = await _receive(customer, page, "w.html", _page_loading(script_url), "text/html")
    polyglot = _page_loading(script_url, samples.POLYGLOT[:13])
    _, gif_id = await _receive(customer, page, "w.gif", polyglot, "text/html")

    page = await _open_thread(visitor)
    thread = page.url
    title = await page.title()
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    await photo.get_by_role("link").click()

    async def settled():
        if page.url != thread:  # it opened as a page: let its scripts run, then judge
            await page.wait_for_load_state("load")
            return True
        return bool(downloads)

    await eventually(settled)
    assert await page.title() != PWNED
    assert downloads and page.url == thread and await page.title() == title
    await expect(photo).to_be_visible()

    shown = await visitor.goto(f"/api/v1/messages/{gif_id}/media")
    assert shown.headers["content-type"] == "image/gif"
    assert shown.headers["content-security-policy"].startswith("sandbox;")
    assert await page.title() != PWNED
    # Served as a download with nosniff, the JavaScript is refused as a script anywhere.
    served = await page.request.get(stack.base_url + script_url)
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["x-content-type-options"] == "nosniff"

"""Connecting WhatsApp in a real browser, with the real session service and WhatsApp unreachable.

`b2a whatsapp` runs with real neonize, but WhatsApp cannot be reached from this
machine: its HTTPS proxy is a local socket that accepts and never answers (and
without it there is no network here at all). The page counts the connection
down, then says in plain words that WhatsApp cannot be reached; dropping it is
immediate, and the Cloud API (the fake Graph API) connects right after.
"""

import socket
import threading
import time

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.conftest import unique_email
from tests.fakes.graph_api import TOKEN

pytestmark = pytest.mark.slow  # starts the stack, the session service and a browser


@pytest.fixture(scope="module")
def silent_proxy():
    """A proxy that takes connections and never says a word (WhatsApp 'unreachable')."""
    server = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


@pytest.fixture(scope="module")
def whatsapp_service(stack, silent_proxy):
    """`b2a whatsapp` and the fake Graph API beside the browser tests' serve and worker."""
    stack.start_graph()
    number = {"phone_number_id": "106540352242922", "display": "+92 300 1234567"}
    httpx.post(
        f"{stack.graph_url}/_fake/numbers",
        json={**number, "name": "Channel Bakery", "waba_id": "102290129340398"},
    ).raise_for_status()
    saved = dict(stack.env)
    stack.env.update({"HTTPS_PROXY": silent_proxy, "https_proxy": silent_proxy})
    try:
        stack.start("whatsapp")
    finally:
        stack.env.clear()
        stack.env.update(saved)
    time.sleep(2)  # its first tick writes the heartbeat
    return stack


async def test_a_web_attempt_counts_down_fails_in_plain_words_and_gives_way_to_the_cloud_api(
    whatsapp_service, visitor
):
    page = visitor.page
    await visitor.sign_up("Channel Bakery", unique_email("owner"))
    await visitor.goto("/app/onboarding/web")
    await expect(page.get_by_text("Not set up.")).to_be_visible()
    await page.get_by_role("button", name="Show a QR code").click()

    countdown = page.locator("#web-live [data-countdown]")
    await expect(countdown).to_be_visible()
    assert 20 <= int(await countdown.text_content()) <= 30
    await expect(page.get_by_text("Connecting to WhatsApp")).to_be_visible()
    await expect(page.locator("#web-service-down")).to_have_count(0)  # it is running
    await visitor.shot("channels-web-connecting")

    reason = page.locator("#web-reason")
    await expect(reason).to_be_visible(timeout=60_000)
    text = await reason.text_content()
    assert text.startswith("WhatsApp cannot be reached from this server") or text.startswith(
        "WhatsApp did not answer within 30 s"
    ), text
    for raw in ("dial tcp", "lookup", "127.0.0.1", "proxyconnect", "Error"):
        assert raw not in text, text
    await expect(page.locator("#web-live").get_by_text("Could not connect.")).to_be_visible()
    await expect(page.get_by_text("is not running")).to_have_count(0)
    await visitor.shot("channels-web-failed")

    started = time.monotonic()
    await page.get_by_role("button", name="Drop WhatsApp-Web").click()
    await expect(page.get_by_text("Not set up.")).to_be_visible()
    assert time.monotonic() - started < 5, "dropping never waits for the session service"

    await visitor.goto("/app/onboarding/cloud")
    await expect(page.get_by_text("connected through WhatsApp-Web")).to_have_count(0)
    await page.get_by_label("Phone number ID").fill("106540352242922")
    await page.get_by_label("WhatsApp Business Account ID").fill("102290129340398")
    await page.get_by_label("Access token").fill(TOKEN)
    await page.get_by_label("App secret").fill("0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a")
    await page.get_by_role("button", name="Check with Meta and connect").click()
    await expect(page.get_by_text("Meta accepted the credentials")).to_be_visible()
    await expect(page.get_by_role("heading", name="Connected: +92 300 1234567")).to_be_visible()
    await visitor.shot("channels-cloud-connected")

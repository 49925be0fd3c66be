"""The front door: a fresh install, then an operator and a business through the web UI alone.

The appliance is installed the way the README's first command does it: ``b2a
init`` on an empty home prints the super admin's one-time password, ``b2a up``
runs the web server, the worker and the WhatsApp session process on the
embedded SQLite database. The environment holds only what an operator would
set: the home, the Redis to use, and where Stripe's and Meta's APIs are (the
local fakes). No SMTP until the operator sets one up in the admin panel (a local
server that records mail), and no network: WhatsApp-Web fails here as it would on a
server that cannot reach WhatsApp.

Nothing is set up behind the browser's back: the operator sets up email, switches
Stripe and EasyPaisa on and creates a plan priced in PKR; a business in Karachi
signs up in PKR by the link emailed to it, writes its catalogue, invites a
colleague by a copied link, tries WhatsApp-Web, drops it for the Cloud API, is
quoted in PKR in the sandbox and buys the plan by EasyPaisa; the operator
approves; the business has its plan.
Every time the business reads is Karachi time. Each step's screenshot goes to
front-door-NN-<step>.png in the browser artifacts; with B2A_DOCS_SCREENSHOTS=1
into docs/img, where the user and admin guides show it (that is how the guides'
pictures are renewed, so a plain test run leaves the checkout clean).
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from PIL import Image
from playwright.async_api import expect

from bench import harness
from tests.browser.conftest import ARTIFACTS, Visitor, local
from tests.fakes.graph_api import TOKEN
from tests.fakes.smtp import PASSWORD as SMTP_PASSWORD
from tests.fakes.smtp import USERNAME as SMTP_USERNAME
from tests.fakes.smtp import FakeSmtp
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe

pytestmark = pytest.mark.slow  # installs and runs the whole appliance, and a browser

SHOTS_DIR = (
    harness.ROOT / "docs" / "img" if os.environ.get("B2A_DOCS_SCREENSHOTS") == "1" else ARTIFACTS
)
MAX_SHOT_BYTES = 150_000
KARACHI = ZoneInfo("Asia/Karachi")
OPERATOR_EMAIL = "operator@front-door.test"
PHONE_NUMBER_ID = "106540352242922"
WABA_ID = "102290129340398"
# A small PNG, as a phone's screenshot of the EasyPaisa receipt would be.
RECEIPT = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(scope="module")
def mailbox() -> Iterator[FakeSmtp]:
    """The operator's mail server, which the admin panel is pointed at."""
    with FakeSmtp() as server:
        yield server


@pytest.fixture(scope="module")
def fake_stripe() -> Iterator[FakeStripe]:
    with FakeStripe() as fake:
        yield fake


@pytest.fixture(scope="module")
def fake_graph(tmp_path_factory) -> Iterator[str]:
    """The fake Graph API in its own process, with the business's number registered at Meta."""
    port = harness.free_port()
    log = (tmp_path_factory.mktemp("graph") / "graph.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.graph_api", str(port)],
        cwd=harness.ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/_fake/sent", process)
        httpx.post(
            f"{url}/_fake/numbers",
            json={
                "phone_number_id": PHONE_NUMBER_ID,
                "display": "+92 300 1234567",
                "name": "Karachi Cuts",
                "waba_id": WABA_ID,
            },
        ).raise_for_status()
        yield url
    finally:
        process.terminate()
        process.wait(10)


class Appliance:
    """A fresh install run by ``b2a up``: its address and the password ``b2a init`` printed."""

    def __init__(self, base_url: str, password: str, process: subprocess.Popen[str]) -> None:
        self.base_url = base_url
        self.password = password
        self.process = process


@pytest.fixture(scope="module")
def appliance(tmp_path_factory, redis_url, fake_stripe, fake_graph) -> Iterator[Appliance]:
    """``b2a init`` then ``b2a up`` on an empty home, with only an operator's variables."""
    home = tmp_path_factory.mktemp("front-door-home")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("B2A_")}
    env = {
        **clean,
        "COLUMNS": "200",
        "B2A_HOME": str(home),
        "B2A_REDIS_URL": redis_url,
        "B2A_BILLING_STRIPE_API_URL": fake_stripe.base_url,
        "B2A_WHATSAPP_GRAPH_URL": fake_graph,
    }
    init = subprocess.run(
        [sys.executable, "-m", "b2a", "init", "--admin-email", OPERATOR_EMAIL],
        cwd=harness.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert init.returncode == 0, init.stdout + init.stderr
    printed = re.search(r"password \(shown once\): (\S+)", init.stdout)
    assert printed, init.stdout
    port = harness.free_port()
    with (home / "up.log").open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "b2a", "up", "--host", "127.0.0.1", "--port", str(port)],
            cwd=harness.ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base_url}/ready", process, home / "up.log")
        yield Appliance(base_url, printed.group(1), process)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def _wait_for(url: str, process: subprocess.Popen[Any], log: Path | None = None) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the process exited; {log.read_text() if log else ''}")
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 60 s; {log.read_text() if log else ''}")


@pytest.fixture
async def browsers(chromium, appliance) -> AsyncIterator[Any]:
    """Open a person's browser in Karachi (their clock says Asia/Karachi, like a phone there)."""
    opened: list[tuple[Any, Visitor]] = []

    async def open_one() -> Visitor:
        context = await chromium.new_context(
            viewport={"width": 1280, "height": 900}, timezone_id="Asia/Karachi"
        )
        tab = Visitor(await context.new_page(), appliance.base_url)
        opened.append((context, tab))
        return tab

    yield open_one
    for context, tab in opened:
        await context.close()
        assert tab.problems == [], tab.problems


class Shots:
    """Numbered screenshots, shrunk to a palette so the guides stay light."""

    def __init__(self) -> None:
        self.taken: list[Path] = []

    async def take(self, tab: Visitor, step: str) -> None:
        SHOTS_DIR.mkdir(parents=True, exist_ok=True)
        path = SHOTS_DIR / f"front-door-{len(self.taken) + 1:02d}-{step}.png"
        image = Image.open(io.BytesIO(await tab.page.screenshot(full_page=True)))
        image = image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        image.save(path, optimize=True)
        self.taken.append(path)
        assert path.stat().st_size < MAX_SHOT_BYTES, f"{path.name} is {path.stat().st_size} B"


async def _karachi_now_shown(time_element: Any, fmt: str) -> None:
    """The element shows the wall clock in Karachi now (within a minute), not UTC's."""
    shown = (await time_element.first.text_content()).strip()
    now = datetime.now(UTC)
    allowed = {(now + timedelta(minutes=d)).astimezone(KARACHI).strftime(fmt) for d in (-1, 0, 1)}
    assert any(shown.startswith(text) for text in allowed), (shown, allowed)
    utc = {(now + timedelta(minutes=d)).strftime(fmt) for d in (-1, 0, 1)}
    assert not any(shown.startswith(text) for text in utc), shown


async def _say(tab: Visitor, text: str) -> None:
    await tab.page.get_by_label("Message as the customer").fill(text)
    await tab.page.get_by_role("button", name="Send").click()


async def test_a_fresh_install_through_its_front_door(appliance, browsers, mailbox):
    shots = Shots()

    # The operator: first login with the password `b2a init` printed.
    operator = await browsers()
    admin = operator.page
    await operator.goto("/login")
    await admin.get_by_label("Email").fill(OPERATOR_EMAIL)
    await admin.get_by_label("Password").fill(appliance.password)
    await shots.take(operator, "operator-login")
    await admin.get_by_role("button", name="Log in").click()
    await admin.wait_for_url("**/admin")
    await shots.take(operator, "admin-dashboard")

    # Email: businesses sign up by a link sent to their address, so the operator sets it up.
    await admin.get_by_role("navigation").get_by_role("link", name="Settings").click()
    await admin.wait_for_url("**/admin/settings")
    await admin.get_by_label("Host").fill("127.0.0.1")
    await admin.get_by_label("Port").fill(str(mailbox.port))
    await admin.get_by_label("Username").fill(SMTP_USERNAME)
    await admin.get_by_label("Password", exact=True).fill(SMTP_PASSWORD)
    await admin.get_by_label("From address").fill("b2a <no-reply@front-door.test>")
    await admin.get_by_label("Security").select_option("none")
    await admin.get_by_role("button", name="Save email server").click()
    await expect(admin.get_by_text("The email server is saved")).to_be_visible()
    await admin.get_by_role("button", name="Send test email").click()
    await expect(
        admin.get_by_text(f"A test email to {OPERATOR_EMAIL} is on its way")
    ).to_be_visible()
    await mailbox.wait_for(OPERATOR_EMAIL)

    # Payments on: Stripe's keys, tested against Stripe (the fake), and EasyPaisa.
    await admin.get_by_role("navigation").get_by_role("link", name="Billing").click()
    await admin.wait_for_url("**/admin/billing")
    await expect(admin.get_by_label("Endpoint URL")).to_have_value(
        f"{appliance.base_url}/webhooks/stripe"
    )
    await admin.get_by_label("Secret key").fill(SECRET_KEY)
    await admin.get_by_label("Webhook signing secret").fill(WEBHOOK_SECRET)
    await admin.get_by_role("button", name="Save Stripe keys").click()
    await expect(admin.get_by_text("Stripe's keys are saved (encrypted).")).to_be_visible()
    await admin.get_by_role("button", name="Test the key").click()
    await expect(admin.get_by_text("Stripe accepted the key")).to_be_visible()
    easypaisa = admin.get_by_role("group", name="EasyPaisa")
    await easypaisa.get_by_label("Offer EasyPaisa").check()
    await easypaisa.get_by_label("Account title").fill("B2A Hosting")
    await easypaisa.get_by_label("Mobile account number").fill("0300 1234567")
    await admin.get_by_role("button", name="Save manual payments").click()
    await expect(admin.get_by_text("Businesses can now pay in PKR by EasyPaisa.")).to_be_visible()
    assert SECRET_KEY not in await admin.content()
    await shots.take(operator, "admin-payments-on")

    # A plan priced in PKR.
    await admin.get_by_role("navigation").get_by_role("link", name="Plans").click()
    await admin.wait_for_url("**/admin/plans")
    await admin.get_by_label("Name", exact=True).fill("Growth")
    await admin.get_by_label("Manual-payment price (PKR)").fill("3000")
    await admin.get_by_label("Assistant replies per day").fill("200")
    await admin.get_by_label("Assistant replies per month").fill("4000")
    await admin.get_by_role("button", name="Create plan").click()
    row = admin.get_by_role("row").filter(has_text="Growth")
    await expect(row).to_contain_text("PKR 3,000")
    await shots.take(operator, "admin-plan-in-pkr")

    # The business signs up from Karachi: the zone and its currency are filled in.
    owner = await browsers()
    page = owner.page
    await page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=appliance.base_url
    )
    await owner.goto("/signup")
    await expect(page.get_by_label("Time zone")).to_have_value("Asia/Karachi")
    await expect(page.get_by_label("Currency")).to_have_value("PKR")
    await page.get_by_label("Business name").fill("Karachi Cuts")
    await page.get_by_label("Your email").fill("owner@karachi-cuts.test")
    await shots.take(owner, "signup")
    await page.get_by_role("button", name="Create account").click()
    await expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    owner.mailbox = mailbox
    await owner.finish_sign_up("owner@karachi-cuts.test", "a long owner password")
    await page.wait_for_url("**/app")
    nav = page.get_by_role("navigation", name="Main")

    # The catalogue.
    await nav.get_by_role("link", name="Services").click()
    await page.get_by_label("Name", exact=True).fill("Haircut")
    await page.get_by_label("Price", exact=True).fill("1500")
    await page.get_by_label("Description").fill("Wash, cut and blow-dry.")
    await page.get_by_role("button", name="Add the service").click()
    await expect(page.get_by_role("cell", name="PKR 1,500")).to_be_visible()
    await shots.take(owner, "services")

    # A colleague joins by a copied link (it is emailed too).
    await nav.get_by_role("link", name="Team", exact=True).click()
    colleague_email = "sana@karachi-cuts.test"  # a fresh install: no one else has it
    await page.get_by_label("Email").fill(colleague_email)
    await page.get_by_label("Name", exact=True).fill("Sana")
    await page.get_by_label("Role", exact=True).select_option("STAFF")
    await page.get_by_role("button", name="Invite").click()
    await expect(page.get_by_text(f"send it to {colleague_email}")).to_be_visible()
    await page.get_by_role("button", name="Copy", exact=True).click()
    await expect(page.get_by_role("button", name="Copied")).to_be_visible()
    link = await page.evaluate("navigator.clipboard.readText()")
    await shots.take(owner, "team-invitation-link")
    colleague = await browsers()
    await colleague.goto(local(link, appliance.base_url))
    await colleague.page.get_by_label("New password").fill("a stylist's own password")
    await shots.take(colleague, "colleague-sets-password")
    await colleague.page.get_by_role("button", name="Set password and sign in").click()
    await expect(colleague.page).to_have_url(re.compile(r"/app/inbox$"))

    # WhatsApp-Web cannot reach WhatsApp from here: the page says so before its countdown ends.
    await nav.get_by_role("link", name="WhatsApp").click()
    await shots.take(owner, "whatsapp-choices")
    await page.get_by_role("link", name="Use a QR code").click()
    await page.get_by_role("button", name="Show a QR code").click()
    countdown = page.locator("#web-live [data-countdown]")
    await expect(countdown).to_be_visible()
    seconds = int(await countdown.text_content())
    started = time.monotonic()
    reason = page.locator("#web-reason")
    await expect(reason).to_be_visible(timeout=(seconds + 5) * 1000)
    assert time.monotonic() - started <= seconds + 2
    text = await reason.text_content()
    assert text.startswith("WhatsApp cannot be reached from this server"), text
    for raw in ("dial tcp", "lookup", "no such host", "Error", "is not running"):
        assert raw not in text, text
    await shots.take(owner, "whatsapp-web-unreachable")
    await page.get_by_role("button", name="Drop WhatsApp-Web").click()
    await expect(page.get_by_text("Not set up.")).to_be_visible()

    # The Cloud API, checked with Meta (the fake Graph API).
    await owner.goto("/app/onboarding/cloud")
    await expect(page.get_by_text("connected through WhatsApp-Web")).to_have_count(0)
    await page.get_by_label("Phone number ID").fill(PHONE_NUMBER_ID)
    await page.get_by_label("WhatsApp Business Account ID").fill(WABA_ID)
    await page.get_by_label("Access token").fill(TOKEN)
    await page.get_by_label("App secret").fill("5f2c9d0e8b7a46c1a3e9d4b2f0c8e7a1")
    await page.get_by_role("button", name="Check with Meta and connect").click()
    await expect(page.get_by_text("Meta accepted the credentials")).to_be_visible()
    await expect(page.get_by_role("heading", name="Connected: +92 300 1234567")).to_be_visible()
    await shots.take(owner, "cloud-api-connected")

    # The sandbox: a customer asks the price and is quoted in PKR, at Karachi's time.
    await nav.get_by_role("link", name="WhatsApp").click()
    await page.get_by_role("button", name="Open the sandbox").click()
    await expect(page).to_have_url(re.compile(r"/app/sandbox"))
    await _say(owner, "haircut ka price kya hai?")
    answer = page.locator(".bubble.theirs").filter(has_text="PKR 1,500")
    await expect(answer.first).to_contain_text("Haircut")
    await _karachi_now_shown(page.locator(".bubble time"), "%H:%M")
    await expect(page.get_by_text("Times are in Asia/Karachi.")).to_be_visible()
    await shots.take(owner, "sandbox-quoted-in-pkr")

    # The inbox shows the conversation at Karachi's time too.
    await nav.get_by_role("link", name="Inbox").click()
    when = page.locator("time.conv-when")
    await expect(when).to_have_count(1)
    await _karachi_now_shown(when, "%H:%M")  # today's, as the time alone
    await expect(page.get_by_text("Times are in Asia/Karachi.")).to_be_visible()
    await shots.take(owner, "inbox")

    # The plan, bought by EasyPaisa with a screenshot of the receipt.
    await nav.get_by_role("link", name="Billing").click()
    card = page.get_by_role("article").filter(has_text="Growth")
    await expect(card.get_by_text("PKR 3,000.00")).to_be_visible()
    free = page.get_by_role("article").filter(has_text="Free")
    await expect(free.get_by_text("Nothing to pay")).to_be_visible()
    await expect(card.get_by_text("By EasyPaisa")).to_be_visible()
    await expect(page.get_by_text("Choose a plan above to pay by EasyPaisa.")).to_be_visible()
    await shots.take(owner, "billing-plans")
    await card.get_by_role("link", name="Choose Growth").click()
    await expect(page.get_by_role("heading", name="Pay by EasyPaisa", exact=True)).to_be_visible()
    await expect(page.get_by_text("0300 1234567")).to_be_visible()
    await page.get_by_label("Sender's name").fill("Karachi Cuts")
    await page.get_by_label("Sender's number or account").fill("0300 7654321")
    await page.get_by_label("Transaction reference (TID)").fill("TID-40817")
    await page.get_by_label("Screenshot or receipt").set_input_files(
        {"name": "easypaisa-receipt.png", "mimeType": "image/png", "buffer": RECEIPT}
    )
    await shots.take(owner, "pay-by-easypaisa")
    await page.get_by_role("button", name="Submit the payment").click()
    await expect(page.get_by_text("waits for review (PENDING)")).to_be_visible()
    manual = page.get_by_role("region", name="Manual payments")
    payment = manual.get_by_role("row", name=re.compile("TID-40817"))
    await expect(payment).to_contain_text("PKT")
    await _karachi_now_shown(payment.get_by_role("cell").first, "%d %b %Y %H:%M")
    history = page.get_by_role("region", name="Invoices and payments")
    await expect(history.get_by_text("Growth by EasyPaisa (TID-40817)")).to_be_visible()
    await shots.take(owner, "payment-pending")

    # The operator approves it.
    await operator.goto("/admin/payments")
    review = admin.get_by_role("article").filter(has_text="TID-40817")
    await expect(review.get_by_role("heading")).to_contain_text("Karachi Cuts: Growth")
    await shots.take(operator, "admin-approves-payment")
    await review.get_by_role("button", name="Approve and apply Growth").click()
    await expect(admin.get_by_text("Payment TID-40817 is approved")).to_be_visible()

    # The business has its new plan.
    await page.reload()
    your_plan = page.get_by_role("region", name="Your plan")
    await expect(your_plan.get_by_text("Growth", exact=True)).to_be_visible()
    await expect(your_plan).to_contain_text("PKT")  # the period ends on Karachi's clock
    await expect(payment).to_contain_text("APPROVED")
    await shots.take(owner, "plan-active")
    assert [path.name for path in shots.taken] == sorted(path.name for path in shots.taken)

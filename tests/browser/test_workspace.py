"""The inbox as a workspace: three panes on a desktop, one at a time on a phone, infinite scroll
both ways, the keyboard, and the composer (Enter, Shift+Enter, a file, a private note).

A real browser on a live ``b2a serve`` + ``b2a worker``; conversations are seeded as the worker
stores them. With ``B2A_DOCS_SCREENSHOTS=1`` the screenshots go into docs/img for the user guide.
"""

import io
import os
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from playwright.async_api import expect

from b2a.catalog import service as catalog
from b2a.catalog.schemas import ServiceIn
from b2a.inbox import actions, labels
from b2a.inbox.rules import Author, ConversationStatus, DeliveryState, Direction, Owner
from b2a.inbox.tables import Conversation, Customer, Message
from b2a.orders import service as orders
from b2a.orders.schemas import OrderCreate, OrderItemIn
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.tables import Tenant, User
from bench import harness
from tests.browser.conftest import ARTIFACTS, Visitor, unique_email
from tests.http.api.conftest import sandbox_channel, seed_conversation

pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = (
    harness.ROOT / "docs" / "img" if os.environ.get("B2A_DOCS_SCREENSHOTS") == "1" else ARTIFACTS
)
MAX_SHOT_BYTES = 150_000


def _save(image: Image.Image, name: str) -> None:
    """A screenshot shrunk to a palette, so the guide stays light."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    image.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(
        path, optimize=True
    )
    assert path.stat().st_size < MAX_SHOT_BYTES, f"{path.name} is {path.stat().st_size} B"


async def _shot(tab: Visitor, name: str = "") -> Image.Image:
    image = Image.open(io.BytesIO(await tab.page.screenshot()))
    if name:
        _save(image, name)
    return image


def _side_by_side(images: list[Image.Image], name: str, gap: int = 24) -> None:
    """The phone's screens in a row, as one picture for the guide."""
    width = sum(image.width for image in images) + gap * (len(images) + 1)
    height = max(image.height for image in images) + 2 * gap
    strip = Image.new("RGB", (width, height), (226, 232, 240))
    x = gap
    for image in images:
        strip.paste(image, (x, gap))
        x += image.width + gap
    _save(strip, name)


async def _business(visitor) -> Actor:
    """A signed-up business (its owner logged in on ``visitor``) as its owner's actor."""
    name, email = f"Ayesha Bakes {uuid.uuid4().hex[:6]}", unique_email("owner")
    await visitor.sign_up(name, email)
    tenant = await Tenant.objects().where(Tenant.name == name).first()
    user = await User.objects().where(User.email == email).first()
    return Actor(user.id, Role.TENANT_ADMIN, tenant.id, email)


async def _say(scope, conversation, text: str, at: datetime, **fields) -> Message:
    """A message in the conversation at ``at``, inbound unless ``fields`` say otherwise."""
    message = scope.new(
        Message,
        conversation=conversation.id,
        direction=fields.pop("direction", Direction.INBOUND),
        text=text,
        state=fields.pop("state", DeliveryState.RECEIVED),
        wa_message_id=f"wamid.{uuid.uuid4().hex}",
        created_at=at,
        **fields,
    )
    await message.save()
    await scope.update(
        Conversation,
        {Conversation.last_message_at: at, Conversation.last_message_preview: text[:200]},
    ).where(Conversation.id == conversation.id)
    return message


async def _answer(scope, conversation, text: str, at: datetime, state=DeliveryState.READ):
    return await _say(
        scope, conversation, text, at, direction=Direction.OUTBOUND, author=Author.AI, state=state
    )


async def _a_busy_inbox(owner: Actor):
    """Four customers, one with a day of talk, a note, a label, an order and an earlier chat."""
    scope = owner.scope
    channel = await sandbox_channel(scope)
    now = datetime.now(UTC)
    yesterday = now - timedelta(days=1)
    # The same customer wrote once before, to another number of the business.
    earlier = await seed_conversation(
        scope,
        await sandbox_channel(scope),
        name="Ayesha Khan",
        phone="923001234567",
        text="Thank you, the cake was lovely!",
        status=ConversationStatus.RESOLVED,
        unread=0,
        at=now - timedelta(days=9),
    )
    ayesha = scope.new(
        Conversation,
        channel=channel.id,
        customer=earlier.customer,
        window_expires_at=now + timedelta(hours=20),
        unread_count=0,
    )
    await ayesha.save()
    await _say(scope, ayesha, "Assalam o alaikum! Do you make eggless cakes?", yesterday)
    await _answer(
        scope,
        ayesha,
        "Walaikum assalam! Yes, every cake can be eggless. A 2 kg chocolate cake is PKR 4,500.",
        yesterday + timedelta(minutes=1),
    )
    await _say(
        scope, ayesha, "Great. Can I pick it up on Saturday at 5 pm?", now - timedelta(minutes=4)
    )
    await _answer(
        scope,
        ayesha,
        "Saturday at 5 pm works. Shall I write the name Zara on it?",
        now - timedelta(minutes=3),
        state=DeliveryState.DELIVERED,
    )
    await _say(scope, ayesha, "Yes please, and a candle too.", now - timedelta(minutes=2))
    await actions.add_note(owner, ayesha.id, "Regular customer: her daughter's birthday.")
    vip = await labels.create_label(owner, "VIP", color="#16a34a")
    await actions.add_label(owner, ayesha.id, vip.id)
    cake = await catalog.create_service(owner, ServiceIn(name="Chocolate cake 2 kg", price="4500"))
    await orders.create_order(
        owner, OrderCreate(ayesha.id, [OrderItemIn(cake.id, 1)], {"address": "Clifton, Karachi"})
    )
    bilal = await seed_conversation(
        scope,
        channel,
        name="Bilal Ahmed",
        text="Is delivery free in DHA?",
        owner=Owner.HUMAN,
        unread=2,
        assignee=owner.user_id,
        status=ConversationStatus.ASSIGNED,
        at=now - timedelta(minutes=6),
    )
    await seed_conversation(
        scope,
        channel,
        name="",
        phone="923331234567",
        text="Price of cupcakes?",
        at=now - timedelta(minutes=30),
    )
    await seed_conversation(
        scope,
        channel,
        name="Sana Malik",
        text="Okay, thanks!",
        unread=0,
        at=now - timedelta(days=3),
    )
    return ayesha, bilal


async def _tab(chromium, stack, viewport) -> tuple[Visitor, object]:
    context = await chromium.new_context(viewport=viewport)
    return Visitor(await context.new_page(), stack.base_url, stack), context


async def _logged_in_as(chromium, stack, visitor, viewport) -> tuple[Visitor, object]:
    """A second browser at ``viewport`` with the visitor's session cookie."""
    tab, context = await _tab(chromium, stack, viewport)
    await context.add_cookies(await visitor.page.context.cookies())
    return tab, context


async def test_three_panes_on_a_desktop_and_one_at_a_time_on_a_phone(
    visitor, chromium, stack, stack_db
):
    owner = await _business(visitor)
    ayesha, _ = await _a_busy_inbox(owner)
    desk, desk_context = await _logged_in_as(chromium, stack, visitor, DESKTOP)
    await desk.goto(f"/app/inbox/{ayesha.id}")
    page = desk.page
    side, main = page.locator(".inbox-side"), page.locator(".inbox-main")
    details = page.get_by_role("complementary", name="Details")
    for pane in (side, main, details):
        await expect(pane).to_be_visible()
    boxes = [await pane.bounding_box() for pane in (side, main, details)]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"], boxes
    assert await page.evaluate("document.documentElement.scrollHeight") <= DESKTOP["height"]

    rows = page.locator(".conv")
    await expect(rows).to_have_count(5)
    await expect(rows.first.locator(".conv-who")).to_have_text("Ayesha Khan")
    await expect(rows.first.locator(".badge-sandbox")).to_have_text("Sandbox")
    await expect(page.locator(".conv-who", has_text="+92 333 1234567")).to_have_count(1)
    bilal = rows.filter(has_text="Bilal Ahmed")
    await expect(bilal.get_by_label("2 unread")).to_be_visible()
    await expect(bilal.locator(".assignee")).to_have_attribute(
        "title", f"Assigned to {owner.label}"
    )
    await expect(rows.filter(has_text="Sana Malik").locator(".conv-when")).not_to_contain_text(":")

    thread = page.locator("#messages")
    await expect(thread.locator(".day")).to_have_text(["Yesterday", "Today"])
    await expect(thread.locator(".msg-outbound .ticks").first).to_have_attribute("title", "read")
    await expect(thread.locator(".note")).to_contain_text("daughter's birthday")
    composer = page.get_by_role("region", name="Reply or note")
    await expect(composer.get_by_label("Message to Ayesha Khan")).to_be_visible()
    composer_box = await composer.bounding_box()
    assert composer_box["y"] + composer_box["height"] <= DESKTOP["height"] + 1, composer_box

    await expect(details.get_by_role("heading", name="Ayesha Khan")).to_be_visible()
    await expect(details.get_by_text("+92 300 1234567")).to_be_visible()
    await expect(details.locator(".badge.label")).to_have_text("VIP")
    await expect(details.locator(".conversation-orders")).to_contain_text("#1")
    earlier = details.get_by_role("link", name="Thank you, the cake was lovely!")
    await expect(earlier).to_be_visible()
    await expect(
        details.get_by_role("link", name="Download everything about Ayesha Khan")
    ).to_be_visible()
    await expect(details.get_by_role("button", name="Take over from the assistant")).to_be_visible()
    customer_page = details.get_by_role("link", name="Customer's page")
    await expect(customer_page).to_have_attribute(
        "href", re.compile(r"^/app/customers/[0-9a-f-]{36}$")
    )
    await _shot(desk, "user-inbox")
    assert desk.problems == []
    await desk_context.close()

    phone, phone_context = await _logged_in_as(chromium, stack, visitor, PHONE)
    await phone.goto("/app/inbox")
    p = phone.page
    await expect(p.locator(".inbox-side")).to_be_visible()
    await expect(p.locator(".inbox-main")).to_be_hidden()
    assert await p.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screens = [await _shot(phone)]
    await p.locator(".conv a").first.click()
    await expect(p.locator("#messages .msg").last).to_contain_text("candle")
    await expect(p.locator(".inbox-side")).to_be_hidden()
    await expect(p.get_by_role("complementary", name="Details")).to_be_hidden()
    assert await p.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screens.append(await _shot(phone))
    await p.get_by_role("link", name="Details").click()
    await expect(p.get_by_role("complementary", name="Details")).to_be_visible()
    await expect(p.locator(".inbox-main")).to_be_hidden()
    screens.append(await _shot(phone))
    _side_by_side(screens, "user-inbox-phone")
    await p.get_by_role("link", name="Back to the conversation").click()
    await expect(p.locator(".inbox-main")).to_be_visible()
    await p.get_by_role("link", name="All conversations").click()
    await expect(p.locator(".inbox-side")).to_be_visible()
    assert phone.problems == []
    await phone_context.close()


async def test_older_messages_and_conversations_come_in_once_as_the_panes_scroll(visitor, stack_db):
    owner = await _business(visitor)
    scope = owner.scope
    channel = await sandbox_channel(scope)
    start = datetime.now(UTC) - timedelta(hours=3)
    long = await seed_conversation(scope, channel, name="Zainab", text="message 000", at=start)
    for n in range(1, 120):
        await _say(scope, long, f"message {n:03d}", start + timedelta(seconds=n))
    for n in range(30):
        await seed_conversation(
            scope, channel, name=f"Customer {n:02d}", at=start - timedelta(minutes=n + 1)
        )

    page = visitor.page
    await visitor.goto(f"/app/inbox/{long.id}")
    messages = page.locator("#messages .msg")
    await expect(messages).to_have_count(50)
    await expect(messages.last).to_contain_text("message 119")
    thread = page.locator("#messages")
    assert await thread.evaluate("t => t.scrollHeight - t.scrollTop - t.clientHeight") < 5
    reading = page.locator("#messages .msg", has_text="message 070")

    read_at = await thread.evaluate(
        "t => { t.scrollTop = 0; return t.querySelector('.msg').getBoundingClientRect().top; }"
    )
    await expect(messages).to_have_count(100)
    # The message read before stays where it was: the older ones went in above it.
    assert await thread.evaluate("t => t.scrollTop") > 0
    assert abs((await reading.bounding_box())["y"] - read_at) < 3, read_at
    await thread.evaluate("t => { t.scrollTop = 0; }")
    await expect(messages).to_have_count(120)
    await expect(messages.first).to_contain_text("message 000")
    texts = await page.locator("#messages .msg .text").all_text_contents()
    assert texts == [f"message {n:03d}" for n in range(120)], "each once, in order"
    await expect(page.locator("#messages .older")).to_have_count(0)

    rows = page.locator(".conv")
    await expect(rows).to_have_count(25)
    await page.locator(".side-scroll").evaluate("s => { s.scrollTop = s.scrollHeight; }")
    await expect(rows).to_have_count(31)
    names = await page.locator(".conv-who").all_text_contents()
    assert len(set(names)) == 31 and names[-1] == "Customer 29", names
    await expect(page.locator(".conv .more")).to_have_count(0)


async def test_the_keyboard_moves_replies_resolves_and_searches(visitor, stack_db):
    owner = await _business(visitor)
    scope = owner.scope
    channel = await sandbox_channel(scope)
    now = datetime.now(UTC)
    for n, name in enumerate(["Asma", "Bushra", "Danish"]):
        await seed_conversation(scope, channel, name=name, at=now - timedelta(minutes=n))
    page = visitor.page
    await visitor.goto("/app/inbox")
    opened = page.locator('.conv a[aria-current="true"] .conv-who')

    await page.keyboard.press("j")
    await expect(opened).to_have_text("Asma")
    await page.keyboard.press("j")
    await expect(opened).to_have_text("Bushra")
    await page.keyboard.press("k")
    await expect(opened).to_have_text("Asma")

    await page.keyboard.press("r")
    box = page.locator("#f-text")
    await expect(box).to_be_focused()
    await page.keyboard.type("just typing j and k")
    await expect(box).to_have_value("just typing j and k")
    await expect(opened).to_have_text("Asma"), "keys typed in a field are only text"
    await box.fill("")
    await box.blur()

    await page.keyboard.press("/")
    await expect(page.get_by_role("searchbox", name="Search")).to_be_focused()
    await page.get_by_role("searchbox", name="Search").blur()

    await page.keyboard.press("?")
    await expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    await page.keyboard.press("e")
    await expect(page.get_by_text("The status is saved.")).to_be_visible()
    await expect(page.locator("#resolve-button")).to_have_text("Reopen")
    asma = await Customer.objects().where(Customer.name == "Asma").first()
    resolved = await scope.objects(Conversation).where(Conversation.customer == asma.id).first()
    assert resolved.status == ConversationStatus.RESOLVED
    assert visitor.problems == []


async def test_the_composer_sends_on_enter_keeps_newlines_attaches_files_and_writes_notes(
    visitor, stack_db
):
    owner = await _business(visitor)
    scope = owner.scope
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Hina")
    page = visitor.page
    await visitor.goto(f"/app/inbox/{conversation.id}")
    box = page.get_by_label("Message to Hina")

    await box.click()
    await page.keyboard.type("Line one")
    await page.keyboard.press("Shift+Enter")
    await page.keyboard.type("line two")
    await expect(box).to_have_value("Line one\nline two")
    await page.keyboard.press("Enter")
    sent = page.locator("#messages .msg-outbound")
    await expect(sent).to_have_count(1)
    await expect(sent.locator(".text")).to_have_text("Line one\nline two")
    await expect(box).to_have_value("")
    url = page.url

    picture = io.BytesIO()
    Image.new("RGB", (8, 8), (11, 122, 90)).save(picture, format="PNG")
    await page.get_by_label("Attach a file").set_input_files(
        {"name": "menu.png", "mimeType": "image/png", "buffer": picture.getvalue()}
    )
    await expect(page.locator("#file-name")).to_contain_text("menu.png")
    await box.fill("Our menu")
    await page.get_by_role("button", name="Send", exact=True).click()
    await expect(sent).to_have_count(2)
    await expect(sent.last.get_by_role("link", name=re.compile(r"^image \("))).to_be_visible()
    await expect(sent.last.locator(".text")).to_have_text("Our menu")
    await expect(page.locator("#file-name")).to_have_text("")

    await page.get_by_label("Attach a file").set_input_files(
        {
            "name": "dance.gif",
            "mimeType": "image/gif",
            "buffer": b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        }
    )
    await box.fill("a gif")
    await page.keyboard.press("Enter")
    refusal = page.locator("#composer-error")
    await expect(refusal).to_be_visible()
    await expect(refusal).to_contain_text("GIF")
    await expect(box).to_have_value("a gif"), "what was typed stays"
    await expect(sent).to_have_count(2)

    await page.get_by_role("tab", name="Private note").click()
    note = page.get_by_label("Note for the team (the customer never sees it)")
    await expect(note).to_be_focused()
    await page.keyboard.type("She wants it by Friday")
    await page.keyboard.press("Enter")
    await expect(page.locator("#messages .note")).to_contain_text("She wants it by Friday")
    await expect(note).to_have_value("")
    assert page.url == url, "sent without leaving the page"
    rows = await scope.objects(Message).where(Message.direction == Direction.OUTBOUND)
    assert sorted(r.text for r in rows) == ["Line one\nline two", "Our menu"]
    assert visitor.problems == []

"""The sandbox page: chat as a test customer through the real pipeline (a worker in the loop)."""

import re
from urllib.parse import parse_qs, urlsplit

from b2a.inbox.rules import Author, Direction
from b2a.inbox.tables import Conversation, Customer, Message
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD
from tests.pipeline import eventually

SCRIPT = "<script>alert('x')</script>"


def bubbles(chat_html: str) -> list[tuple[str, str]]:
    """(mine|theirs, text) of each message in the chat, as the customer's phone shows it."""
    found = re.findall(
        r'<li class="bubble (mine|theirs)"[^>]*>.*?<span class="text">(.*?)</span>', chat_html, re.S
    )
    return [(side, text) for side, text in found]


def opened(response) -> str:
    """The test customer a redirect opens."""
    assert response.status_code == 303, response.text
    [customer] = parse_qs(urlsplit(response.headers["location"]).query)["customer"]
    return customer


async def test_a_test_customer_message_goes_through_the_pipeline_and_the_business_answers(
    browser, cast, worker
):
    scope = TenantScope(cast.acme_agent.tenant_id)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get("/app/sandbox")
    assert page.status_code == 200 and 'href="/app/sandbox" aria-current="page"' in page.text
    assert "Say hello" in page.text and "New test customer" in page.text
    assert 'class="badge-sandbox"' in page.text
    assert not await scope.exists(Customer), "a visit without choosing makes nobody"

    made = await browser.post("/app/sandbox/customers", {"name": "Ayesha", "text": f"Hi {SCRIPT}"})
    customer = opened(made)
    chat_url = f"/app/sandbox/chat?customer={customer}"

    async def answered():
        chat = (await browser.get(chat_url)).text
        return chat if any(side == "theirs" for side, _ in bubbles(chat)) else None

    chat = await eventually(answered)
    assert SCRIPT not in chat and "Hi &lt;script&gt;" in chat
    assert bubbles(chat)[0] == ("mine", "Hi &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;")
    conversation = await scope.objects(Conversation).first()
    assert await scope.exists(Message).where(
        (Message.conversation == conversation.id) & (Message.direction == Direction.OUTBOUND)
    )
    row = await scope.objects(Customer).first()
    assert (row.name, row.phone, row.sandbox) == ("Ayesha", "447700900000", True)

    # An agent answers from the inbox; the customer sees it in the sandbox.
    await browser.get(f"/app/inbox/{conversation.id}")
    reply = await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": "Agent here"})
    assert reply.status_code == 303

    async def agent_seen():
        return ("theirs", "Agent here") in bubbles((await browser.get(chat_url)).text)

    await eventually(agent_seen)
    assert await scope.exists(Message).where(Message.author == Author.AGENT)

    again = await browser.get(f"/app/sandbox?customer={customer}")
    assert "Ayesha" in again.text and "+44 7700 900000" in again.text
    assert "Agent here" in again.text, "the list and the chat show where the chat stands"
    people = await browser.get(f"/app/sandbox/customers?customer={customer}")
    assert 'aria-current="page"' in people.text and "Agent here" in people.text


async def test_test_customers_are_listed_to_reopen_and_a_new_one_takes_the_next_number(
    browser, cast
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/sandbox")
    first = opened(await browser.post("/app/sandbox/customers", {"name": "Bilal", "text": ""}))
    second = opened(await browser.post("/app/sandbox/customers", {"name": "", "text": "hello"}))
    page = await browser.get("/app/sandbox")
    assert f'href="/app/sandbox?customer={first}"' in page.text
    assert f'href="/app/sandbox?customer={second}"' in page.text
    assert "Bilal" in page.text and "+44 7700 900000" in page.text
    assert "<strong>+44 7700 900001</strong>" in page.text, "an unnamed one shown by number"
    reopened = await browser.get(f"/app/sandbox?customer={first}")
    assert 'name="customer" value="' + first + '"' in reopened.text
    assert 'id="phone-title">Bilal' in reopened.text


async def test_an_empty_message_or_a_long_name_is_refused_in_plain_words(browser, cast):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/sandbox")
    customer = opened(await browser.post("/app/sandbox/customers", {"name": "Sana"}))
    refused = await browser.post("/app/sandbox/send", {"customer": customer, "text": "   "})
    assert refused.status_code == 422 and "a message has 1 to 4096 characters" in refused.text
    assert f'name="customer" value="{customer}"' in refused.text, "the same customer stays"
    long_name = await browser.post("/app/sandbox/customers", {"name": "x" * 121, "text": "hi"})
    assert long_name.status_code == 422 and "at most 120 characters" in long_name.text
    unknown = await browser.get("/app/sandbox?customer=00000000-0000-0000-0000-000000000000")
    assert unknown.status_code == 404 and "no such test customer" in unknown.text


async def test_a_number_of_ones_own_choosing_still_opens_its_chat(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/sandbox")
    sent = await browser.post("/app/sandbox/send", {"phone": "+923001234567", "text": "salam"})
    assert sent.status_code == 303
    assert parse_qs(urlsplit(sent.headers["location"]).query)["phone"] == ["+923001234567"]
    customer = await scope.objects(Customer).first()
    assert customer.sandbox, "a number first met in the sandbox is a test customer's"
    page = await browser.get("/app/sandbox?phone=%2B923001234567")
    assert "+92 300 1234567" in page.text and f"/app/sandbox?customer={customer.id}" in page.text
    bad_phone = await browser.post("/app/sandbox/send", {"phone": "123", "text": "hi"})
    assert bad_phone.status_code == 422 and "country code" in bad_phone.text


async def test_a_post_without_the_csrf_token_is_refused(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/sandbox")
    browser.csrf = ""
    refused = await browser.post("/app/sandbox/send", {"phone": "+923001234567", "text": "hi"})
    assert refused.status_code == 403
    made = await browser.post("/app/sandbox/customers", {"name": "x"})
    assert made.status_code == 403
    assert not await scope.exists(Message) and not await scope.exists(Customer)

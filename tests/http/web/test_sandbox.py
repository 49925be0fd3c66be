"""The sandbox page: chat as a customer through the real pipeline (a worker in the test's loop)."""

import re
from urllib.parse import parse_qs, urlsplit

from b2a.inbox.rules import Author, Direction
from b2a.inbox.tables import Conversation, Message
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


async def test_a_customer_message_goes_through_the_pipeline_and_the_business_answers(
    browser, cast, worker
):
    scope = TenantScope(cast.acme_agent.tenant_id)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get("/app/sandbox")
    assert page.status_code == 200 and 'href="/app/sandbox" aria-current="page"' in page.text
    phone = re.search(r'name="phone" value="([^"]+)"', page.text).group(1)
    assert "Say hello" in page.text

    sent = await browser.post("/app/sandbox/send", {"phone": phone, "text": f"Hi {SCRIPT}"})
    assert sent.status_code == 303
    assert parse_qs(urlsplit(sent.headers["location"]).query)["phone"] == [phone]
    chat_url = f"/app/sandbox/chat?phone={phone.replace('+', '%2B')}"

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

    # An agent answers from the inbox; the customer sees it in the sandbox.
    await browser.get(f"/app/inbox/{conversation.id}")
    reply = await browser.post(f"/app/inbox/{conversation.id}/reply", {"text": "Agent here"})
    assert reply.status_code == 303

    async def agent_seen():
        return ("theirs", "Agent here") in bubbles((await browser.get(chat_url)).text)

    await eventually(agent_seen)
    assert await scope.exists(Message).where(Message.author == Author.AGENT)


async def test_an_empty_message_is_refused_in_plain_words_and_a_new_customer_starts_afresh(
    browser, cast
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    page = await browser.get("/app/sandbox")
    phone = re.search(r'name="phone" value="([^"]+)"', page.text).group(1)
    refused = await browser.post("/app/sandbox/send", {"phone": phone, "text": "   "})
    assert refused.status_code == 422 and "a message has 1 to 4096 characters" in refused.text
    assert f'name="phone" value="{phone}"' in refused.text, "the same customer stays"
    bad_phone = await browser.post("/app/sandbox/send", {"phone": "123", "text": "hi"})
    assert bad_phone.status_code == 422 and "country code" in bad_phone.text
    another = await browser.get("/app/sandbox")
    assert re.search(r'name="phone" value="([^"]+)"', another.text).group(1) != phone


async def test_a_post_without_the_csrf_token_is_refused(browser, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get("/app/sandbox")
    browser.csrf = ""
    refused = await browser.post("/app/sandbox/send", {"phone": "+923001234567", "text": "hi"})
    assert refused.status_code == 403
    assert not await scope.exists(Message)

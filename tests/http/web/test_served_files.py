"""Every route that serves a stored file answers with what the bytes are, never what they claim.

A customer's media (inbound, copied by the worker), an agent's upload and a
payment's screenshot are each served by one or two routes; each is fed HTML,
SVG, JavaScript, a GIF-and-HTML polyglot, and real PNG, JPEG, PDF and Ogg Opus
files, and its headers are read as a browser reads them.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.billing import config, manual, plans
from b2a.billing.schemas import LocalPayments
from b2a.inbox.media import save_message_media
from b2a.inbox.rules import DeliveryState, Direction
from b2a.inbox.tables import Conversation, Message
from b2a.lib import filetypes
from b2a.server.files import DOWNLOAD_POLICY, PDF_POLICY
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from tests import samples
from tests.conftest import PASSWORD
from tests.http.api.conftest import bearer, sandbox_channel, seed_conversation
from tests.http.web._admin import log_in_operator
from tests.integration.billing.conftest import METHODS, pro_plan
from tests.samples import bodies

OPERATOR = Actor.operator("tests")
# What each hostile body claims to be when it arrives.
CLAIMS = {
    "html": "text/html",
    "svg": "image/svg+xml",
    "javascript": "application/javascript",
    "polyglot": "image/gif",
}
CASES = [(name, body, CLAIMS[name]) for name, body in samples.HOSTILE.items()] + [
    (name, body, "image/svg+xml") for name, (body, _) in samples.REAL.items()
]


def assert_served_safely(response, name: str) -> None:
    """The headers of a stored file, as the allowlist says for a body of this name."""
    headers = response.headers
    assert response.status_code == 200, response.text
    assert headers["x-content-type-options"] == "nosniff"
    disposition = headers["content-disposition"]
    if name in ("html", "svg", "javascript"):
        assert headers["content-type"] == "application/octet-stream"
        assert disposition.startswith("attachment; filename=")
        assert headers["content-security-policy"] == DOWNLOAD_POLICY
        return
    expected = "image/gif" if name == "polyglot" else samples.REAL[name][1]
    assert headers["content-type"] == expected
    assert disposition.startswith("inline; filename=")
    policy = headers["content-security-policy"]
    if expected == "application/pdf":
        assert policy == PDF_POLICY and "script-src" not in policy
    else:
        assert policy.startswith("sandbox; default-src 'none'")
        assert "script" not in policy


async def _media_message(scope, media_root, body: bytes, claimed: str, conversation=None):
    conversation = conversation or await seed_conversation(scope, await sandbox_channel(scope))
    message = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.INBOUND,
        kind="document",
        data={"filename": 'Menu "final".html'},
        state=DeliveryState.RECEIVED,
    )
    await message.save()
    await save_message_media(scope, message.id, body, claimed, media_root)
    return message


async def test_a_message_file_is_served_as_its_bytes_to_the_api_and_the_inbox(
    browser, client, cast, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    token = await bearer(cast.acme_agent.email)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    for name, body, claimed in CASES:
        message = await _media_message(scope, settings.core.media_root, body, claimed, conversation)
        url = f"/api/v1/messages/{message.id}/media"
        by_token = await client.get(url, headers=token)
        assert_served_safely(by_token, name)
        assert by_token.content == body
        assert_served_safely(await browser.client.get(url), name)
    downloaded = (await client.get(url, headers=token)).headers["content-disposition"]
    assert downloaded == 'inline; filename="Menu _final_.ogg"'


async def test_a_documents_own_name_is_kept_for_download_and_encoded_for_every_browser(
    client, cast, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    message = await _media_message(scope, settings.core.media_root, samples.HTML, "text/html")
    await Message.update({Message.data: {"filename": "../قائمة\r\n.html"}}).where(
        Message.id == message.id
    )
    response = await client.get(
        f"/api/v1/messages/{message.id}/media", headers=await bearer(cast.acme_agent.email)
    )
    assert response.headers["content-disposition"] == (
        "attachment; filename=\"_.html\"; filename*=UTF-8''%D9%82%D8%A7%D8%A6%D9%85%D8%A9.html"
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=bodies,
    claimed=st.sampled_from(
        ["text/html", "image/svg+xml", "application/javascript", "image/png", "video/mp4", ""]
    ),
)
async def test_whatever_bytes_and_claim_a_file_is_inline_as_sniffed_or_an_attachment(
    client, cast, settings, body, claimed
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    message = await _media_message(scope, settings.core.media_root, body or b"\x00", claimed)
    response = await client.get(
        f"/api/v1/messages/{message.id}/media", headers=await bearer(cast.acme_agent.email)
    )
    served = response.headers["content-type"]
    sniffed = filetypes.sniff((body or b"\x00")[: filetypes.HEAD_BYTES])
    assert response.headers["x-content-type-options"] == "nosniff"
    if response.headers["content-disposition"].startswith("inline;"):
        assert served in filetypes.INLINE and served == sniffed
        assert "sandbox" in response.headers["content-security-policy"] or served.endswith("pdf")
    else:
        assert served == "application/octet-stream"
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["content-security-policy"] == DOWNLOAD_POLICY


@pytest.fixture
async def payment(cast, settings):
    """A payment with a real PNG receipt; the tests swap its file's bytes on disk."""
    await config.set_local_payments(OPERATOR, LocalPayments("PKR", METHODS))
    pro = await plans.create_plan(OPERATOR, pro_plan())
    return await manual.submit_manual_payment(
        cast.acme_owner.actor,
        manual.ManualPaymentIn(
            plan_id=str(pro.id),
            method="EASYPAISA",
            sender_name="Acme Traders",
            sender_number="0300 1234567",
            reference=f"TID{uuid.uuid4().int % 10**8:08d}",
            coupon_code="",
            screenshot=samples.PNG,
        ),
        media_root=settings.core.media_root,
    )


def _stored_receipt(settings, cast, payment):
    folder = settings.core.media_root / str(cast.acme_owner.tenant_id)
    return folder / "billing" / f"{payment.id}.png"


async def test_a_payment_screenshot_is_served_as_its_bytes_on_all_three_routes(
    browser, other_browser, client, cast, settings, payment
):
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await log_in_operator(other_browser)
    token = await bearer(cast.acme_owner.email)
    routes = [
        lambda: client.get(
            f"/api/v1/billing/manual-payments/{payment.id}/screenshot", headers=token
        ),
        lambda: browser.client.get(f"/app/billing/manual-payments/{payment.id}/screenshot"),
        lambda: other_browser.client.get(f"/admin/payments/{payment.id}/screenshot"),
    ]
    stored = _stored_receipt(settings, cast, payment)
    for name, body, _ in CASES:
        # A file stored before uploads were checked, or changed on disk since.
        stored.write_bytes(body)
        for fetch in routes:
            response = await fetch()
            assert_served_safely(response, name)
            assert response.content == body


async def test_a_customer_export_is_a_sandboxed_download(browser, client, cast, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    message = await _media_message(scope, settings.core.media_root, samples.HTML, "text/html")
    conversation = await scope.get(Conversation, message.conversation)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    for response in (
        await client.get(
            f"/api/v1/customers/{conversation.customer}/export",
            headers=await bearer(cast.acme_owner.email),
        ),
        await browser.client.get(f"/app/customers/{conversation.customer}/export"),
    ):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/zip"
        name = f"customer-{conversation.customer}.zip"
        assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
        assert response.headers["content-security-policy"] == DOWNLOAD_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"

"""Business-side updates from Meta, signed and posted to the webhook, applied by a real worker.

Template status, quality and category change the stored Meta templates and tell
the admins; account news becomes banners for the tenant and the operator;
marketing stops and resumes are stored on the customer and respected by every
way a marketing template leaves. Shapes follow Meta's webhook reference.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import IdentityKind
from b2a.inbox.service import conversation_for
from b2a.inbox.tables import Customer, CustomerIdentity, InboundEvent
from b2a.lib.crypto import SecretBox
from b2a.outbox import schedule
from b2a.outbox.rules import MetaTemplateStatus, ScheduleStatus, TemplateSource
from b2a.outbox.tables import MessageTemplate, ScheduledMessage
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Notice
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.conftest import PASSWORD
from tests.fakes.graph_api import TOKEN
from tests.http.api.conftest import bearer
from tests.http.web._admin import OPERATOR_EMAIL
from tests.pipeline import eventually

SECRET = "meta-app-secret"
WABA = "102290129340398"
WA_ID = "16505551234"


def signed(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}


def change(field: str, value: dict[str, Any], *, waba: str = WABA) -> dict[str, Any]:
    """One webhook delivery with one change, as Meta sends it for the business account."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba, "time": 1750344882, "changes": [{"field": field, "value": value}]}],
    }


def template_status(event: str, **extra: Any) -> dict[str, Any]:
    return change(
        "message_template_status_update",
        {
            "event": event,
            "message_template_id": 12345678,
            "message_template_name": "spring_sale",
            "message_template_language": "en-US",
            "reason": None,
            **extra,
        },
    )


def preference(choice: str, wa_id: str = WA_ID) -> dict[str, Any]:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "PNID1"},
        "contacts": [{"wa_id": wa_id}],
        "user_preferences": [
            {
                "wa_id": wa_id,
                "detail": f"User requested to {choice} marketing messages",
                "category": "marketing_messages",
                "value": choice,
                "timestamp": 1731705721,
            }
        ],
    }
    return change("user_preferences", value)


@pytest.fixture
async def cloud(cast, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    credentials = CloudCredentials("PNID1", TOKEN, WABA, app_secret=SECRET, verify_token="vt")
    return await connect_cloud_channel(scope, credentials, SecretBox(settings.core.encryption_key))


@pytest.fixture
def acme(cast):
    return TenantScope(cast.acme_owner.tenant_id)


async def post(browser, channel, payload) -> InboundEvent:
    """Post a signed delivery of one change; the event once the worker has applied it."""
    before = {row["id"] for row in await InboundEvent.select(InboundEvent.id)}
    body, headers = signed(payload)
    response = await browser.client.post(
        f"/webhooks/whatsapp/{channel.id}", content=body, headers=headers
    )
    assert response.status_code == 200 and response.json() == {"accepted": 1, "skipped": 0}, (
        response.text
    )
    new = [
        row["id"] for row in await InboundEvent.select(InboundEvent.id) if row["id"] not in before
    ]

    async def processed() -> InboundEvent | None:
        return (
            await InboundEvent.objects()
            .where((InboundEvent.id == new[0]) & InboundEvent.processed_at.is_not_null())
            .first()
        )

    return await eventually(processed)


async def meta_template(scope, **values) -> MessageTemplate:
    fields = {
        "source": TemplateSource.META,
        "name": "spring_sale",
        "language": "en_US",
        "category": "UTILITY",
        "body": "Hello {{1}}, our spring sale starts today!",
        "variables": ["1"],
        "meta_status": MetaTemplateStatus.APPROVED,
        "meta_id": "12345678",
    }
    row = scope.new(MessageTemplate, **{**fields, **values})
    await row.save()
    return row


async def test_template_news_updates_the_stored_template_and_tells_the_admins(
    browser, cast, cloud, acme, worker, smtp
):
    await meta_template(acme)
    rejected = await post(
        browser,
        cloud,
        template_status(
            "PAUSED",
            reason="NONE",
            other_info={"title": "FIRST_PAUSE", "description": "Customers blocked it."},
        ),
    )
    assert rejected.outcome == "applied"
    row = await acme.objects(MessageTemplate).first()
    assert row.meta_status == MetaTemplateStatus.PAUSED
    assert row.status_reason == "FIRST_PAUSE Customers blocked it."
    notice = await acme.objects(Notice).first()
    assert notice.kind == "template_status" and notice.level == "warning"
    assert "spring_sale (en-US) was paused" in notice.text
    mail = (await smtp.wait_for(cast.acme_owner.email))[-1]
    assert "spring_sale" in mail.subject and "paused" in mail.text

    quality = {
        "previous_quality_score": "GREEN",
        "new_quality_score": "YELLOW",
        "message_template_id": 12345678,
        "message_template_name": "spring_sale",
        "message_template_language": "en-US",
    }
    assert (
        await post(browser, cloud, change("message_template_quality_update", quality))
    ).outcome == "applied"
    category = {
        "message_template_id": 12345678,
        "message_template_name": "spring_sale",
        "message_template_language": "en-US",
        "previous_category": "UTILITY",
        "new_category": "MARKETING",
    }
    assert (
        await post(browser, cloud, change("template_category_update", category))
    ).outcome == "applied"
    row = await acme.objects(MessageTemplate).first()
    assert (row.quality, row.category) == ("YELLOW", "MARKETING")

    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get("/app/templates")
    assert "paused" in page.text and "Customers blocked it." in page.text
    assert "yellow" in page.text and "marketing" in page.text
    listed = await browser.client.get(
        "/api/v1/templates", headers=await bearer(cast.acme_agent.email)
    )
    [out] = listed.json()
    assert (out["meta_status"], out["quality"], out["sendable"]) == ("PAUSED", "YELLOW", False)

    rejected = await post(browser, cloud, template_status("REJECTED", reason="INCORRECT_CATEGORY"))
    assert (await acme.objects(MessageTemplate).first()).status_reason == (
        "its category does not match its content"
    )
    assert [n.level for n in await acme.objects(Notice)] == ["danger"]  # replaced, not piled up
    await post(browser, cloud, template_status("APPROVED"))
    row = await acme.objects(MessageTemplate).first()
    assert (row.meta_status, row.status_reason) == (MetaTemplateStatus.APPROVED, "")
    [settled] = await acme.objects(Notice)
    assert settled.level == "info" and "approved again" in settled.text


async def test_news_of_a_template_not_synced_yet_is_recorded_without_inventing_it(
    browser, cast, cloud, acme, worker
):
    event = await post(browser, cloud, template_status("REJECTED", reason="SCAM"))
    assert event.outcome == "orphaned"
    assert await acme.count(MessageTemplate) == 0
    [notice] = await acme.objects(Notice)
    assert "Meta judged it a scam" in notice.text  # the admins still hear of the rejection


async def test_account_news_raises_a_banner_that_later_news_replaces(
    browser, other_browser, cast, cloud, acme, worker
):
    restriction = {
        "event": "ACCOUNT_RESTRICTION",
        "restriction_info": [
            {"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": 1893456000}
        ],
    }
    assert (await post(browser, cloud, change("account_update", restriction))).outcome == "applied"
    ban = {
        "event": "DISABLED_UPDATE",
        "ban_info": {"waba_ban_state": "DISABLE", "waba_ban_date": "April 17, 2026"},
    }
    await post(browser, cloud, change("account_update", ban))
    quality = {
        "display_phone_number": "15550783881",
        "event": "FLAGGED",
        "current_limit": "TIER_1K",
        "max_daily_conversations_per_business": "TIER_1K",
    }
    await post(browser, cloud, change("phone_number_quality_update", quality))
    partner = {"event": "PARTNER_APP_INSTALLED", "waba_info": {"waba_id": WABA}}
    assert (await post(browser, cloud, change("account_update", partner))).outcome == "ignored"

    await browser.log_in(cast.acme_agent.email, PASSWORD)
    inbox = await browser.get("/app/inbox")
    assert "it cannot start conversations (templates) until 01 January 2030" in inbox.text
    assert "disabled this business account on April 17, 2026" in inbox.text
    assert "quality of number 15550783881 is low" in inbox.text
    assert "/dismiss" not in inbox.text  # staff see the banner; admins dismiss it

    reinstated = {
        **ban,
        "ban_info": {"waba_ban_state": "REINSTATE", "waba_ban_date": "May 2, 2026"},
    }
    await post(browser, cloud, change("account_update", reinstated))
    texts = [n.text for n in await acme.objects(Notice).where(Notice.source_key == "account:ban")]
    assert len(texts) == 1 and "reinstated" in texts[0]

    owner = await bearer(cast.acme_owner.email)
    listed = (await browser.client.get("/api/v1/notices", headers=owner)).json()
    assert [n["level"] for n in listed].count("danger") == 1 and len(listed) == 3
    restricted = next(n for n in listed if n["source_key"] == "account:restriction")
    agent = await bearer(cast.acme_agent.email)
    refused = await browser.client.post(
        f"/api/v1/notices/{restricted['id']}/dismiss", headers=agent
    )
    assert refused.status_code == 403
    outsider = await bearer(cast.globex_owner.email)
    hidden = await browser.client.post(
        f"/api/v1/notices/{restricted['id']}/dismiss", headers=outsider
    )
    assert hidden.status_code == 404
    assert (await browser.client.get("/api/v1/notices", headers=outsider)).json() == []
    done = await browser.client.post(f"/api/v1/notices/{restricted['id']}/dismiss", headers=owner)
    assert done.status_code == 200 and done.json()["dismissed_at"]
    assert len((await browser.client.get("/api/v1/notices", headers=owner)).json()) == 2
    every = await browser.client.get("/api/v1/notices?include_dismissed=true", headers=owner)
    assert len(every.json()) == 3

    await tenants.create_user(
        Actor.operator("tests"), OPERATOR_EMAIL, password=PASSWORD, role=Role.SUPER_ADMIN
    )
    operator = await bearer(OPERATOR_EMAIL)
    across = (await browser.client.get("/api/v1/admin/notices", headers=operator)).json()
    assert {o["tenant_name"] for o in across} == {"Acme"} and len(across) == 2
    assert across[0]["notice"]["level"] == "warning"  # the gravest first
    assert (await browser.client.get("/api/v1/admin/notices", headers=owner)).status_code == 403
    await other_browser.log_in(OPERATOR_EMAIL, PASSWORD)
    panel = await other_browser.get("/admin/notices")
    assert "Acme" in panel.text and "quality of number 15550783881 is low" in panel.text
    tenant_page = await other_browser.get(f"/admin/tenants/{cast.acme_owner.tenant_id}")
    assert "reinstated this business account" in tenant_page.text


async def test_other_account_fields_become_plain_notices(browser, cloud, acme, worker):
    review = change("account_review_update", {"decision": "REJECTED"})
    capability = change(
        "business_capability_update",
        {"max_daily_conversations_per_business": -1, "max_phone_numbers_per_waba": 25},
    )
    name = change(
        "phone_number_name_update",
        {
            "display_phone_number": "15550783881",
            "decision": "REJECTED",
            "requested_verified_name": "Acme Cakes!!",
            "rejection_reason": "INVALID_FORMAT",
        },
    )
    for payload in (review, capability, name):
        assert (await post(browser, cloud, payload)).outcome == "applied"
    texts = {n.kind: (n.level, n.text) for n in await acme.objects(Notice)}
    assert texts["account_review"][0] == "danger"
    assert "no daily limit, at most 25 phone numbers" in texts["business_capability"][1]
    assert texts["phone_name"] == (
        "warning",
        "WhatsApp rejected the name 'Acme Cakes!!' for number 15550783881 (invalid format): "
        "choose another in Meta's WhatsApp Manager.",
    )


async def test_fields_b2a_has_no_use_for_are_kept_and_marked_ignored(browser, cloud, acme, worker):
    calls = change("calls", {"calls": [{"id": "wacid.1", "event": "connect"}]})
    event = await post(browser, cloud, calls)
    assert event.outcome == "ignored" and json.loads(event.payload)["field"] == "calls"
    assert await acme.count(Notice) == 0


async def _customer(scope, channel, wa_id=WA_ID) -> Customer:
    customer = scope.new(Customer, name="Ayesha", phone=wa_id)
    await customer.save()
    await scope.new(
        CustomerIdentity, customer=customer.id, kind=IdentityKind.WA_ID, value=wa_id
    ).save()
    return customer


async def test_a_marketing_stop_is_stored_shown_and_respected_until_resumed(
    browser, cast, cloud, acme, worker
):
    customer = await _customer(acme, cloud)
    thread = await conversation_for(acme, cloud.id, customer.id)
    marketing = await meta_template(acme, category="MARKETING")
    utility = await meta_template(acme, name="order_ready", meta_id="777")
    later = datetime.now(UTC) + timedelta(days=1)
    waiting = await schedule.schedule_message(
        acme,
        schedule.ScheduleRequest(
            customer.id, later, template_id=marketing.id, variables={"1": "A"}
        ),
    )

    stop = await post(browser, cloud, preference("stop"))
    assert stop.outcome == "applied"
    row = await acme.get(Customer, customer.id)
    assert row.marketing_opt_out_at == datetime.fromtimestamp(1731705721, UTC)

    owner = await bearer(cast.acme_owner.email)
    send = f"/api/v1/conversations/{thread.id}/messages"
    refused = await browser.client.post(
        send, json={"template_id": str(marketing.id), "variables": {"1": "Ayesha"}}, headers=owner
    )
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "MARKETING_OPT_OUT"
    assert "asked WhatsApp for no marketing messages on 2024-11-15" in refused.text
    allowed = await browser.client.post(
        send, json={"template_id": str(utility.id), "variables": {"1": "Ayesha"}}, headers=owner
    )
    assert allowed.status_code == 201, allowed.text
    planned = await browser.client.post(
        "/api/v1/scheduled-messages",
        json={
            "customer_id": str(customer.id),
            "send_at": later.isoformat(),
            "template_id": str(marketing.id),
            "variables": {"1": "A"},
        },
        headers=owner,
    )
    assert planned.status_code == 409 and planned.json()["code"] == "MARKETING_OPT_OUT"

    await acme.update(ScheduledMessage, {ScheduledMessage.send_at: datetime.now(UTC)}).where(
        ScheduledMessage.id == waiting.id
    )
    assert await schedule.dispatch(acme, waiting.id) is None
    failed = await acme.get(ScheduledMessage, waiting.id)
    assert failed.status == ScheduleStatus.FAILED and "no marketing messages" in failed.last_error

    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get(f"/app/inbox/{thread.id}")
    assert "Ayesha asked for no marketing messages since 15 Nov 2024" in page.text
    form = {"template_id": str(marketing.id), "var_1": "Ayesha"}
    typed = await browser.post(f"/app/inbox/{thread.id}/reply", form)
    assert typed.status_code == 409 and "asked WhatsApp for no marketing messages" in typed.text
    shown = await browser.client.get(f"/api/v1/conversations/{thread.id}", headers=owner)
    assert shown.json()["customer"]["marketing_opt_out_at"].startswith("2024-11-15")

    assert (await post(browser, cloud, preference("resume"))).outcome == "applied"
    assert (await acme.get(Customer, customer.id)).marketing_opt_out_at is None
    again = await browser.client.post(
        send, json={"template_id": str(marketing.id), "variables": {"1": "Ayesha"}}, headers=owner
    )
    assert again.status_code == 201, again.text


async def test_a_preference_of_someone_unknown_creates_no_customer(browser, cloud, acme, worker):
    event = await post(browser, cloud, preference("stop", wa_id="19998887777"))
    assert event.outcome == "orphaned"
    assert await acme.count(Customer) == 0
    other = change(
        "user_preferences",
        {"user_preferences": [{"detail": "x", "category": "unknown", "value": "bla"}]},
    )
    assert (await post(browser, cloud, other)).outcome == "ignored"

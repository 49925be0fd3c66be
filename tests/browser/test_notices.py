"""WhatsApp's news about the account in a real browser, on the live stack (serve + worker).

A signed ``account_update`` posted to the webhook becomes a banner on every page
of the business's panel; an admin dismisses it and it is gone for the whole
team; the operator's list of open notices names the business. Screenshots:
``notice-banner.png`` and ``admin-notices.png``.
"""

import hashlib
import hmac
import json
import uuid

import httpx
import pytest
from playwright.async_api import expect

from b2a.inbox.channels import connect_cloud_channel
from b2a.lib.crypto import SecretBox
from b2a.settings import load_settings
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Notice
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.browser.conftest import PASSWORD, unique_email
from tests.pipeline import eventually

OPERATOR = Actor.operator("browser tests")
SECRET = "browser-app-secret"
BANNER = "WhatsApp restricted this business account"
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def _restricted_tenant(stack) -> tuple[str, str, str]:
    """A business whose Cloud API account WhatsApp just restricted; its name, owner and agent."""
    name = f"Bakery {uuid.uuid4().hex[:6]}"
    owner = unique_email("owner")
    tenant, login = await tenants.create_tenant(
        OPERATOR, name, admin_email=owner, admin_password=PASSWORD
    )
    agent = unique_email("agent")
    await tenants.create_user(
        Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, owner),
        agent,
        password=PASSWORD,
        role=Role.STAFF,
    )
    waba = uuid.uuid4().hex[:15]
    box = SecretBox(load_settings(stack.env).core.encryption_key)
    credentials = CloudCredentials(
        uuid.uuid4().hex[:15], "token", waba, app_secret=SECRET, verify_token="vt"
    )
    channel = await connect_cloud_channel(TenantScope(tenant.id), credentials, box)
    value = {
        "event": "ACCOUNT_RESTRICTION",
        "restriction_info": [
            {"restriction_type": "RESTRICTED_BIZ_INITIATED_MESSAGING", "expiration": 1893456000}
        ],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": waba,
                "time": 1750000000,
                "changes": [{"field": "account_update", "value": value}],
            }
        ],
    }
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient(base_url=stack.base_url) as client:
        response = await client.post(
            f"/webhooks/whatsapp/{channel.id}",
            content=body,
            headers={"X-Hub-Signature-256": signature, "Content-Type": "application/json"},
        )
    assert response.json() == {"accepted": 1, "skipped": 0}

    async def raised() -> bool:
        return bool(await Notice.count().where(Notice.tenant == tenant.id))

    await eventually(raised, timeout=30)  # the worker applied it
    return name, owner, agent


async def test_an_account_restriction_is_a_banner_until_an_admin_dismisses_it(
    stack, stack_db, new_visitor
):
    name, owner_email, agent_email = await _restricted_tenant(stack)
    operator_email = unique_email("op")
    await tenants.create_user(OPERATOR, operator_email, password=PASSWORD, role=Role.SUPER_ADMIN)
    operator = await new_visitor()
    await operator.log_in(operator_email, PASSWORD)
    await operator.page.wait_for_url("**/admin")
    await operator.page.get_by_role("link", name="Notices").click()
    row = operator.page.locator("[data-notices] tr", has_text=name)
    await expect(row).to_contain_text(BANNER)
    await operator.shot("admin-notices")

    agent = await new_visitor()
    await agent.log_in(agent_email, PASSWORD)
    await agent.goto("/app/inbox")
    banner = agent.page.locator(".whatsapp-notice", has_text=BANNER)
    await expect(banner).to_be_visible()
    await expect(banner).to_contain_text("cannot start conversations (templates)")
    await expect(banner.get_by_role("button", name="Dismiss")).to_have_count(0)

    owner = await new_visitor()
    await owner.log_in(owner_email, PASSWORD)
    await owner.goto("/app/templates")
    banner = owner.page.locator(".whatsapp-notice", has_text=BANNER)
    await expect(banner).to_be_visible()
    await owner.shot("notice-banner")
    await banner.get_by_role("button", name="Dismiss").click()
    await owner.page.wait_for_url("**/app/templates")
    await expect(owner.page.get_by_text("The notice is dismissed")).to_be_visible()
    await expect(owner.page.locator(".whatsapp-notice")).to_have_count(0)

    await agent.goto("/app")
    await expect(agent.page.locator(".whatsapp-notice")).to_have_count(0)
    await operator.goto("/admin/notices")
    await expect(operator.page.locator("[data-notices] tr", has_text=name)).to_have_count(0)
    for tab in (operator, agent, owner):
        assert tab.problems == [], tab.problems

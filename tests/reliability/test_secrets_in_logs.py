"""A full run at DEBUG level writes none of the secrets it handles to its logs.

The stack runs as real processes (``b2a serve``, ``b2a worker``) and uses every
kind of secret it keeps: a Cloud API token and app secret (sends and signed
webhooks), Stripe's keys (a signed webhook), an SMTP password (an emailed reset
link, whose token is a secret too) and the appliance's own keys. Then every
log line of every process is searched for each secret.
"""

from __future__ import annotations

import json
import re

import asyncpg
import httpx

from b2a.lib.crypto import SecretBox
from bench import harness
from tests.fakes import stripe_api
from tests.fakes.smtp import PASSWORD as SMTP_PASSWORD
from tests.fakes.smtp import USERNAME as SMTP_USERNAME
from tests.fakes.smtp import FakeSmtp

MESSAGES = 20
STRIPE_SECRET = "sk_test_logcheck0123456789abcdef"
STRIPE_WEBHOOK_SECRET = "whsec_logcheck0123456789abcdef"
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')


async def test_a_debug_run_logs_no_secret(make_database, redis_url, redis, tmp_path):
    db_url = make_database()
    with FakeSmtp() as smtp:
        env = {
            **harness.base_env(tmp_path / "home", db_url, redis_url),
            "B2A_LOG_LEVEL": "debug",
            "B2A_SMTP_HOST": "127.0.0.1",
            "B2A_SMTP_PORT": str(smtp.port),
            "B2A_SMTP_USERNAME": SMTP_USERNAME,
            "B2A_SMTP_PASSWORD": SMTP_PASSWORD,
            "B2A_SMTP_FROM": "b2a <no-reply@b2a.test>",
            "B2A_SMTP_SECURITY": "none",
        }
        with harness.running_stack(env, tmp_path / "logs") as stack:
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url, assistant=True)
            await _store_stripe_keys(env, db_url)
            stack.start("serve")
            stack.start("worker")

            drive = await harness.drive(stack.base_url, channel_id, rate=50, count=MESSAGES)
            outcome = await harness.settle(db_url, expected=MESSAGES, timeout=120)
            owner = await _owner_email(db_url)
            await _request_a_reset_link(stack.base_url, owner)
            stripe_answer = await _post_stripe_event(stack.base_url)
            emails = await smtp.wait_for(owner, timeout=30)
        logs = {path.name: path.read_text() for path in (tmp_path / "logs").glob("*.log")}

    assert drive.rejected == 0 and len(outcome.inbound_by_wamid) == MESSAGES
    assert stripe_answer.status_code == 200, stripe_answer.text
    assert "reset-password" in emails[0].text, emails[0].text
    # The logs are really at DEBUG: an empty log would pass the search below.
    assert "DEBUG" in logs["serve.log"] and "DEBUG" in logs["worker.log"], logs
    secrets = {
        "Cloud API token": harness.GRAPH_TOKEN,
        "Cloud API app secret": harness.APP_SECRET,
        "Stripe secret key": STRIPE_SECRET,
        "Stripe webhook secret": STRIPE_WEBHOOK_SECRET,
        "SMTP password": SMTP_PASSWORD,
        "B2A_SECRET_KEY": env["B2A_SECRET_KEY"],
        "B2A_ENCRYPTION_KEY": env["B2A_ENCRYPTION_KEY"],
        "reset link token": emails[0].links[0].rsplit("token=", 1)[-1],
    }
    leaks = [
        f"{what} in {name}"
        for name, text in logs.items()
        if name in ("serve.log", "worker.log")
        for what, secret in secrets.items()
        if secret in text
    ]
    assert not leaks, leaks


async def _store_stripe_keys(env: dict[str, str], db_url: str) -> None:
    """What the super admin types into the billing settings, stored as the panel stores it."""
    box = SecretBox(env["B2A_ENCRYPTION_KEY"])
    connection = await asyncpg.connect(db_url)
    try:
        await connection.execute(
            "INSERT INTO system_setting (id, key, value, updated_at) "
            "VALUES (gen_random_uuid(), 'billing.stripe', $1::json, now())",
            json.dumps(
                {
                    "secret_key": box.encrypt(STRIPE_SECRET),
                    "webhook_secret": box.encrypt(STRIPE_WEBHOOK_SECRET),
                }
            ),
        )
    finally:
        await connection.close()


async def _owner_email(db_url: str) -> str:
    connection = await asyncpg.connect(db_url)
    try:
        return str(await connection.fetchval("SELECT email FROM app_user LIMIT 1"))
    finally:
        await connection.close()


async def _request_a_reset_link(base_url: str, email: str) -> None:
    async with httpx.AsyncClient(base_url=base_url) as client:
        form = await client.get("/forgot-password")
        token = CSRF.search(form.text)
        assert token, form.text
        answer = await client.post(
            "/forgot-password", data={"_csrf": token.group(1), "email": email}
        )
        assert answer.status_code == 200, answer.text


async def _post_stripe_event(base_url: str) -> httpx.Response:
    event = stripe_api.event("customer.created", {"id": "cus_logcheck", "object": "customer"})
    body, headers = stripe_api.signed(event, secret=STRIPE_WEBHOOK_SECRET)
    async with httpx.AsyncClient(base_url=base_url) as client:
        return await client.post("/webhooks/stripe", content=body, headers=headers)

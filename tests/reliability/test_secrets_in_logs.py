"""A full run at DEBUG level writes none of the secrets it handles to its logs, as text or JSON.

The stack runs as real processes (``b2a serve``, ``b2a worker``) and uses every
kind of secret it keeps: a Cloud API token and app secret (sends and signed
webhooks), Stripe's keys (a signed webhook), an SMTP password (an emailed reset
link, whose token is a secret too) and the appliance's own keys. Then every
log line of every process is searched for each secret. With
``B2A_LOG_FORMAT=json`` every line must also be one JSON object, carrying the
request's id in the server and the job's and tenant's ids in the worker.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re

import asyncpg
import httpx
import pytest

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


@pytest.mark.parametrize("log_format", ["text", "json"])
async def test_a_debug_run_logs_no_secret(make_database, redis_url, redis, tmp_path, log_format):
    db_url = make_database()
    with FakeSmtp() as smtp:
        env = {
            **harness.base_env(tmp_path / "home", db_url, redis_url),
            "B2A_LOG_LEVEL": "debug",
            "B2A_LOG_FORMAT": log_format,
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
            echoed = await _unknown_number_webhook(stack.base_url, channel_id)
            emails = await smtp.wait_for(owner, timeout=30)
        logs = {path.name: path.read_text() for path in (tmp_path / "logs").glob("*.log")}

    assert drive.rejected == 0 and len(outcome.inbound_by_wamid) == MESSAGES
    assert stripe_answer.status_code == 200, stripe_answer.text
    assert "reset-password" in emails[0].text, emails[0].text
    # The logs are really at DEBUG: an empty log would pass the search below.
    debug = '"level": "debug"' if log_format == "json" else "DEBUG"
    assert debug in logs["serve.log"] and debug in logs["worker.log"], logs
    if log_format == "json":
        _assert_json_lines(logs, request_id=echoed)
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


REQUEST_ID = "support-ticket-4711"


async def _unknown_number_webhook(base_url: str, channel_id: str) -> str:
    """A signed webhook for a number of another app: logged as dropped, under our request id."""
    body, _ = harness.webhook("923001112222", "wamid.unknown.number", 0)
    body = body.replace(b"PNID-BENCH", b"PNID-OF-ANOTHER-APP")
    signature = hmac.new(harness.APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "X-Hub-Signature-256": f"sha256={signature}",
        "Content-Type": "application/json",
        "X-Request-ID": REQUEST_ID,
    }
    async with httpx.AsyncClient(base_url=base_url) as client:
        answer = await client.post(
            f"/webhooks/whatsapp/{channel_id}", content=body, headers=headers
        )
    assert answer.status_code == 200, answer.text
    return answer.headers["x-request-id"]


def _assert_json_lines(logs: dict[str, str], *, request_id: str) -> None:
    """Every line one object with the fields the docs promise; ids where the work had them."""
    records = {
        name: [json.loads(line) for line in text.splitlines()]
        for name, text in logs.items()
        if name in ("serve.log", "worker.log")
    }
    for record in (r for lines in records.values() for r in lines):
        assert {"time", "level", "logger", "message"} <= record.keys(), record
    assert request_id == REQUEST_ID
    dropped = [r for r in records["serve.log"] if "unknown number" in r["message"]]
    assert dropped and all(r.get("request") == REQUEST_ID for r in dropped), dropped
    jobs = [r for r in records["worker.log"] if r["message"].startswith("job process_inbound")]
    assert len(jobs) >= MESSAGES, records["worker.log"][-5:]
    assert all(r["job"].startswith("process_inbound:") and r["tenant"] for r in jobs), jobs[:3]

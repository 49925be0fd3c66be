"""The long webhook fuzzing run: signed random bodies into a real ``b2a serve`` and ``b2a worker``.

Run by hand (the suite runs the short form, ``tests/http/webhooks/test_fuzz.py``):

    .venv/bin/python -m bench.fuzz_webhooks                    # 2,500 bodies per strategy
    .venv/bin/python -m bench.fuzz_webhooks --examples 200     # a quick look
    .venv/bin/python -m bench.fuzz_webhooks --seed 7           # another run, repeatable

It creates a throwaway PostgreSQL database and uses one Redis database (flushed),
starts the fake Graph API, a fake Stripe and the b2a processes, and posts to the
Cloud API webhook and the Stripe webhook, each signed with the right secret,
bodies Hypothesis draws from four strategies (``tests/http/webhooks/fuzzing.py``):
any JSON value (also inside a WhatsApp envelope), the Cloud API fixtures with a
few values changed, Stripe events with a few values changed. After each body a
control (a plain message or event never seen before) is posted, inside the same
delivery when the body is one, and the delivery is posted twice. Reported:
requests and answers by status, controls stored (each must be stored exactly
once), events processed by the worker and events that failed. It exits 1 on any
5xx, a control not stored once, or a failed event. docs/reliability.md has the
figures measured on the reference machine.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import sys
import threading
import time
import uuid
from collections import Counter
from typing import Any

import httpx
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from bench import harness
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event
from tests.http.webhooks.fuzzing import (
    cloud_mutations,
    dumps,
    json_values,
    stripe_mutations,
    with_control,
)

NUMBER = "PNID-BENCH"  # the number harness.prepare_tenant connects


class Poster:
    """Posts signed bodies to one webhook of the running server and counts the answers."""

    def __init__(self, client: httpx.Client, path: str, sign: Any) -> None:
        self.client, self.path, self.sign = client, path, sign
        self.answers: Counter[int] = Counter()
        self.server_errors: list[tuple[bytes, str]] = []
        self.lock = threading.Lock()

    def post(self, body: bytes) -> httpx.Response:
        response = self.client.post(self.path, content=body, headers=self.sign(body))
        with self.lock:
            self.answers[response.status_code] += 1
            if response.status_code >= 500:
                self.server_errors.append((body[:300], response.text[:300]))
        return response


def _meta(body: bytes) -> dict[str, str]:
    digest = hmac.new(harness.APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def _stripe(body: bytes) -> dict[str, str]:
    at = int(time.time())
    digest = hmac.new(WEBHOOK_SECRET.encode(), f"{at}.".encode() + body, hashlib.sha256)
    return {"Stripe-Signature": f"t={at},v1={digest.hexdigest()}"}


def cloud_round(poster: Poster, body: Any, controls: list[str]) -> None:
    wamid = f"wamid.control.{uuid.uuid4().hex}"
    controls.append(wamid)
    together = with_control(body, NUMBER, wamid)
    if together is None:
        poster.post(dumps(body))
        together = with_control({"object": "whatsapp_business_account", "entry": []}, NUMBER, wamid)
    poster.post(dumps(together))
    poster.post(dumps(together))


def stripe_round(poster: Poster, body: Any, controls: list[str]) -> None:
    poster.post(dumps(body))
    pristine = event("invoice.paid", {"id": "in_control", "customer": "cus_nobody"})
    controls.append(pristine["id"])
    poster.post(dumps(pristine))
    poster.post(dumps(pristine))


def stripe_bases() -> list[dict[str, Any]]:
    subscription = {
        "id": "sub_fuzz",
        "customer": "cus_fuzz",
        "status": "active",
        "metadata": {"tenant_id": str(uuid.uuid4())},
        "items": {"data": [{"price": {"id": "price_pro_monthly"}, "current_period_end": 1}]},
    }
    return [
        event("customer.subscription.updated", subscription),
        event("invoice.paid", {"id": "in_fuzz", "customer": "cus_fuzz"}),
        event("checkout.session.completed", {"id": "cs_test_1", "mode": "payment"}),
    ]


def fuzz(strategy: Any, examples: int, run_seed: int, round_trip: Any) -> None:
    @seed(run_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(body=strategy)
    def each(body: Any) -> None:
        round_trip(body)

    each()


async def prepare_stripe(env: dict[str, str]) -> None:
    """Stripe's keys and a plan sold at the fake's price, as the super admin sets them."""
    from b2a.billing import config, plans
    from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
    from b2a.lib.crypto import SecretBox
    from b2a.schema.tables import all_tables
    from b2a.settings import load_settings
    from b2a.tenants.actor import Actor
    from tests.integration.billing.conftest import pro_plan

    settings_ = load_settings(env)
    engine = create_engine(settings_.db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    try:
        operator = Actor.operator("bench")
        box = SecretBox(settings_.core.encryption_key)
        await config.set_stripe_keys(
            operator, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
        )
        await plans.create_plan(operator, pro_plan())
    finally:
        await close_pool(engine)


async def outcome(db_url: str, wamids: list[str], event_ids: list[str]) -> dict[str, int]:
    """What PostgreSQL holds once the worker is done."""
    import asyncpg

    from b2a.db.engine import asyncpg_dsn

    connection = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        return {
            "controls accepted": await connection.fetchval(
                "SELECT count(*) FROM inbound_event WHERE dedupe_key = ANY($1::text[])",
                [f"msg:{w}" for w in wamids],
            ),
            "controls stored": await connection.fetchval(
                "SELECT count(*) FROM message WHERE wa_message_id = ANY($1::text[])", wamids
            ),
            "stripe controls": await connection.fetchval(
                "SELECT count(*) FROM stripe_event WHERE event_id = ANY($1::text[])", event_ids
            ),
            "events": await connection.fetchval("SELECT count(*) FROM inbound_event"),
            "events waiting": await connection.fetchval(
                "SELECT count(*) FROM inbound_event WHERE processed_at IS NULL AND dead_at IS NULL"
            ),
            "events failed": await connection.fetchval(
                "SELECT count(*) FROM inbound_event WHERE attempts > 0"
            ),
            "stripe events": await connection.fetchval("SELECT count(*) FROM stripe_event"),
            "stripe waiting": await connection.fetchval(
                "SELECT count(*) FROM stripe_event WHERE processed_at IS NULL"
            ),
        }
    finally:
        await connection.close()


async def main(args: argparse.Namespace) -> int:
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_fuzz") as (db_url, home):
        env = harness.base_env(home, db_url, args.redis_url)
        with FakeStripe() as fake_stripe, harness.running_stack(env, home / "logs") as stack:
            fake_stripe.state.prices.add("price_pro_monthly")
            env["B2A_BILLING_STRIPE_API_URL"] = fake_stripe.base_url
            stack.env = env
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url)
            await prepare_stripe(env)
            stack.start("serve")
            stack.start("worker")
            print(f"fuzzing; logs in {home}/logs", flush=True)
            started = time.monotonic()
            with httpx.Client(base_url=stack.base_url, timeout=30) as client:
                cloud = Poster(client, f"/webhooks/whatsapp/{channel_id}", _meta)
                stripe_hook = Poster(client, "/webhooks/stripe", _stripe)
                wamids: list[str] = []
                event_ids: list[str] = []
                enveloped = st.builds(
                    lambda e: {"object": "whatsapp_business_account", "entry": e}, json_values
                )
                runs = [
                    (json_values | enveloped, lambda b: cloud_round(cloud, b, wamids)),
                    (cloud_mutations(NUMBER), lambda b: cloud_round(cloud, b, wamids)),
                    (json_values, lambda b: stripe_round(stripe_hook, b, event_ids)),
                    (
                        stripe_mutations(stripe_bases()),
                        lambda b: stripe_round(stripe_hook, b, event_ids),
                    ),
                ]
                for strategy, round_trip in runs:
                    await asyncio.to_thread(fuzz, strategy, args.examples, args.seed, round_trip)
            posting = time.monotonic() - started
            deadline = time.monotonic() + args.settle
            while True:
                result = await outcome(db_url, wamids, event_ids)
                settled = result["events waiting"] == 0 and result["stripe waiting"] == 0
                if settled or time.monotonic() > deadline:
                    break
                await asyncio.sleep(1)
    requests = sum(cloud.answers.values()) + sum(stripe_hook.answers.values())
    print(f"{requests} signed requests in {posting:.0f} s ({requests / posting:.0f}/s)")
    print(f"cloud webhook answers: {dict(cloud.answers)}")
    print(f"stripe webhook answers: {dict(stripe_hook.answers)}")
    print(f"controls: {len(wamids)} messages, {len(event_ids)} Stripe events")
    for name, value in result.items():
        print(f"{name}: {value}")
    errors = cloud.server_errors + stripe_hook.server_errors
    for body, answer in errors[:10]:
        print(f"5xx for {body!r}: {answer}")
    ok = (
        not errors
        and result["controls accepted"] == result["controls stored"] == len(wamids)
        and result["stripe controls"] == len(event_ids)
        and result["events failed"] == 0
        and result["events waiting"] == result["stripe waiting"] == 0
    )
    print("OK: 0 5xx, every control stored once, no event failed" if ok else "FAILED")
    return 0 if ok else 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2500, help="bodies per strategy")
    parser.add_argument("--seed", type=int, default=16, help="Hypothesis seed (repeatable)")
    parser.add_argument("--settle", type=float, default=300, help="seconds to wait for the worker")
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where the run may create and drop a database",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

import json
from datetime import timedelta

import pytest
import redis as sync_redis

from b2a.assistant.ai_settings import AISettings, ProviderConfig, save_ai_settings
from b2a.billing import config
from b2a.billing.schemas import LocalPayments
from b2a.db.engine import bind_engine, create_engine
from b2a.inbox.rules import Author, DeliveryState, Direction, Transport
from b2a.inbox.tables import Channel, InboundEvent, Message
from b2a.lib import clock
from b2a.lib import queue as job_queue
from b2a.lib.crypto import SecretBox
from b2a.lib.redis import heartbeat_key
from b2a.ops.checks import check_ai, check_failed_jobs, check_payments, check_work
from b2a.schema.tables import all_tables
from b2a.settings import load_settings, merged_environment
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from tests.cli.helpers import b2a, operator_env
from tests.fakes.openai_api import API_KEY, FakeOpenAI
from tests.fakes.stripe_api import SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.http.api.conftest import seed_conversation
from tests.integration.billing.conftest import METHODS
from tests.pipeline import eventually, running_worker
from tests.services import free_port, start_postgres, start_redis


def _doctor(env):
    result = b2a(env, "doctor", "--json")
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    return result.returncode, {c["name"]: c for c in report["checks"]}


@pytest.fixture
def healthy(tmp_path, pg_url, redis_url):
    env = operator_env(tmp_path, pg_url, redis_url)
    assert b2a(env, "init", "--admin-email", "op@example.com").returncode == 0
    return env


async def test_a_healthy_appliance_passes(healthy, redis):
    await redis.set(heartbeat_key("worker", "test:1"), "1", ex=60)
    await redis.set(heartbeat_key("whatsapp", "test:1"), "1", ex=60)
    code, checks = _doctor(healthy)
    assert code == 0, checks
    assert all(c["level"] != "fail" for c in checks.values())
    assert checks["schema"]["detail"] == "all migrations applied"
    assert checks["search"]["level"] == "ok", checks["search"]
    assert checks["pooler"]["detail"].startswith("none: b2a connects to PostgreSQL itself")
    assert checks["variables"]["level"] == "ok"
    assert checks["payments"]["level"] == "warn" and "/admin/billing" in checks["payments"]["fix"]


def test_doctor_says_where_metrics_are_read_and_who_may(healthy, tmp_path):
    _, checks = _doctor(healthy)
    assert checks["metrics"]["level"] == "ok"
    assert "/metrics (loopback only)" in checks["metrics"]["detail"]
    assert str(tmp_path) in checks["metrics"]["detail"]
    _, checks = _doctor({**healthy, "B2A_METRICS_TOKEN": "short"})
    assert checks["metrics"]["level"] == "warn" and "bearer token" in checks["metrics"]["detail"]
    assert "B2A_METRICS_TOKEN" in checks["metrics"]["fix"]


def test_doctor_says_whether_spans_are_traced_and_where_they_go(healthy):
    _, checks = _doctor(healthy)
    assert checks["tracing"]["level"] == "ok"
    assert checks["tracing"]["detail"] == "off (the b2a[otel] extra is installed)"
    _, checks = _doctor(
        {**healthy, "B2A_TRACING": "otlp", "B2A_TRACING_ENDPOINT": "http://t:4318/"}
    )
    assert checks["tracing"]["detail"].startswith("otlp: OTLP/HTTP to http://t:4318/v1/traces")
    _, checks = _doctor({**healthy, "B2A_TRACING": "console"})
    assert checks["tracing"]["detail"].startswith("console: JSON lines on each process's stdout")


def test_the_table_shows_brackets_as_written(healthy):
    table = b2a({**healthy, "COLUMNS": "250"}, "doctor").stdout
    assert "off (the b2a[otel] extra is installed)" in table


def test_a_misspelt_variable_is_a_warning_naming_it(healthy, redis_url):
    _, checks = _doctor({**healthy, "B2A_SERVR_PORT": "9000"})
    assert checks["variables"]["level"] == "warn"
    assert checks["variables"]["detail"] == "b2a reads no B2A_SERVR_PORT: ignored"
    assert "docs/configuration.md" in checks["variables"]["fix"]


def test_stopped_processes_are_failures_with_the_unit_to_start(healthy, redis_url):
    code, checks = _doctor(healthy)
    assert code == 1
    assert "systemctl start b2a-worker" in checks["worker process"]["fix"]
    assert "systemctl start b2a-whatsapp" in checks["whatsapp process"]["fix"]


def test_a_stopped_redis_is_named(healthy):
    code, checks = _doctor({**healthy, "B2A_REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert code == 1
    assert checks["redis"]["level"] == "fail"
    assert "does not answer" in checks["redis"]["detail"]
    assert "redis-server" in checks["redis"]["fix"]


def test_an_evicting_redis_is_a_failure(tmp_path):
    with start_redis() as url:
        sync_redis.Redis.from_url(url).config_set("maxmemory-policy", "allkeys-lru")
        code, checks = _doctor(operator_env(tmp_path, f"sqlite:///{tmp_path}/x.sqlite3", url))
    assert code == 1
    assert "allkeys-lru" in checks["redis eviction"]["detail"]
    assert "noeviction" in checks["redis eviction"]["fix"]


def test_a_missing_schema_says_run_init(tmp_path, make_database, redis_url):
    env = operator_env(tmp_path, make_database(), redis_url)
    env["B2A_SECRET_KEY"] = env["B2A_ENCRYPTION_KEY"] = "x"
    code, checks = _doctor(env)
    assert code == 1
    assert checks["database"]["level"] == "ok"
    assert checks["schema"]["fix"] == "Run `b2a init`."


def test_a_missing_database_is_named(tmp_path, pg_admin_url, redis_url):
    url = pg_admin_url.rsplit("/", 1)[0] + "/b2a_does_not_exist"
    code, checks = _doctor(operator_env(tmp_path, url, redis_url))
    assert code == 1
    assert "does not exist" in checks["database"]["detail"]
    assert "createdb" in checks["database"]["fix"]


@pytest.fixture(scope="module")
def password_postgres():
    with start_postgres(password="right-password") as url:
        yield url


def test_a_wrong_database_password_is_named(tmp_path, password_postgres, redis_url):
    wrong = password_postgres.replace("right-password", "wrong-password")
    code, checks = _doctor(operator_env(tmp_path, wrong, redis_url))
    assert code == 1
    assert "refused the password" in checks["database"]["detail"]
    assert "wrong-password" not in json.dumps(checks)


def test_a_bad_setting_fails_the_config_check(tmp_path, redis_url):
    env = operator_env(tmp_path, "mysql://nope", redis_url)
    code, checks = _doctor(env)
    assert code == 1
    assert "B2A_DB_URL" in checks["config"]["detail"]


async def _configure_ai(base_url, key, make_settings):
    box = SecretBox(make_settings().core.encryption_key)
    provider = ProviderConfig(name="fake", base_url=base_url, api_key=key, timeout=2.0)
    await save_ai_settings(Actor.operator("tests"), AISettings(providers=[provider]), box)


async def test_the_ai_check_reaches_each_configured_provider(db, make_settings):
    settings = make_settings(B2A_DB_URL=db.url)
    [none] = await check_ai(settings)
    assert none.ok and "offline catalog assistant" in none.detail
    with FakeOpenAI() as fake:
        await _configure_ai(fake.base_url, API_KEY, make_settings)
        [ok] = await check_ai(settings)
        assert (ok.name, ok.level) == ("ai provider fake", "ok") and "2 models" in ok.detail
        await _configure_ai(fake.base_url, "sk-revoked", make_settings)
        [refused] = await check_ai(settings)
    assert refused.level == "fail" and "refused the API key" in refused.detail
    assert "/admin/ai" in refused.fix


async def test_an_unreachable_ai_provider_is_named_with_the_fix(db, make_settings):
    await _configure_ai(f"http://127.0.0.1:{free_port()}/v1", "sk-x", make_settings)
    [check] = await check_ai(make_settings(B2A_DB_URL=db.url))
    assert check.level == "fail" and "unreachable" in check.detail


async def test_the_payments_check_says_how_businesses_pay_and_asks_stripe_with_the_stored_key(
    db, make_settings
):
    operator = Actor.operator("tests")
    with FakeStripe() as fake:
        settings = make_settings(B2A_DB_URL=db.url, B2A_BILLING_STRIPE_API_URL=fake.base_url)
        box = SecretBox(settings.core.encryption_key)
        [off] = await check_payments(settings)
        assert off.level == "warn" and "no business can buy a plan" in off.detail

        await config.set_local_payments(operator, LocalPayments("PKR", METHODS))
        [manual] = await check_payments(settings)
        assert manual.ok and manual.detail == (
            "businesses can pay by EasyPaisa (PKR), Bank transfer (PKR)"
        )

        await config.set_stripe_keys(operator, secret_key="sk_test_revoked0000", box=box)
        payments, webhook, refused = await check_payments(settings)
        assert payments.detail.startswith("businesses can pay by card (Stripe), EasyPaisa")
        assert webhook.level == "fail" and "/admin/billing" in webhook.fix
        assert refused.level == "fail" and "Stripe refused this secret key" in refused.detail

        await config.set_stripe_keys(
            operator, secret_key=SECRET_KEY, webhook_secret=WEBHOOK_SECRET, box=box
        )
        _, accepted = await check_payments(settings)
        assert accepted.name == "stripe" and accepted.ok
        assert "account B2A Hosting (acct_1FakeB2aHosting), test mode" in accepted.detail
        assert SECRET_KEY not in accepted.detail
        assert ("GET", "/v1/account", {}) in fake.state.requests


async def _dead_and_stuck_work(scope):
    """A dead event, an event waiting 10 minutes, a send QUEUED 20 minutes and one behind it."""
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    now = clock.now()
    events = [
        scope.new(
            InboundEvent,
            channel=channel.id,
            source=Transport.SANDBOX,
            dedupe_key=key,
            created_at=now - timedelta(minutes=10),
            dead_at=dead,
            attempts=5 if dead else 0,
        )
        for key, dead in (("msg:wamid.dead", now - timedelta(minutes=8)), ("msg:wamid.slow", None))
    ]
    await InboundEvent.insert(*events)
    conversation = await seed_conversation(scope, channel)
    send = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.OUTBOUND,
        author=Author.SYSTEM,
        text="still waiting",
        state=DeliveryState.QUEUED,
        state_changed_at=now - timedelta(minutes=20),
        created_at=now - timedelta(minutes=20),
    )
    await send.save()
    behind = scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.OUTBOUND,
        author=Author.SYSTEM,
        text="waiting behind it",
        state=DeliveryState.QUEUED,
        state_changed_at=now - timedelta(minutes=19),
        created_at=now - timedelta(minutes=19),
    )
    await behind.save()


async def test_the_work_checks_pass_when_nothing_is_stuck_and_name_dead_and_stuck_work(cast):
    assert all(check.level == "ok" for check in await check_work())
    await _dead_and_stuck_work(TenantScope(cast.acme_owner.tenant_id))
    dead, stuck, sends = await check_work()
    assert dead.level == "fail" and dead.detail.startswith("1 event(s) failed on every attempt")
    assert "/admin/events" in dead.fix and "Retry" in dead.fix
    assert stuck.level == "fail" and stuck.detail.startswith("1 event(s) waiting unprocessed")
    assert sends.level == "fail" and sends.detail.startswith("1 conversation(s) whose next")
    assert "systemctl status b2a-worker" in stuck.fix and "systemctl status b2a-worker" in sends.fix


async def test_failed_jobs_are_counted_from_the_running_workers(db, make_settings, redis):
    settings = make_settings(B2A_DB_URL=db.url)
    async with running_worker(settings) as worker:
        assert (await check_failed_jobs(settings)).level == "ok"
        await job_queue.enqueue("send_email", key="no-arguments", retries=1)
        await eventually(lambda: _failed(worker))
        await eventually(lambda: _reported(settings))
        check = await check_failed_jobs(settings)
    assert check.detail == "1 job(s) failed or were aborted since the workers started"
    assert "journalctl -u b2a-worker" in check.fix


async def _failed(worker):
    job = await worker.queue.job("no-arguments")
    return job is not None and job.status == "failed"


async def _reported(settings):
    return (await check_failed_jobs(settings)).level == "warn"


async def test_doctor_reports_dead_events_with_the_page_to_look_at(healthy, redis):
    await redis.set(heartbeat_key("worker", "test:1"), "1", ex=60)
    await redis.set(heartbeat_key("whatsapp", "test:1"), "1", ex=60)
    engine = create_engine(load_settings(merged_environment(healthy)).db)
    bind_engine(engine, all_tables())
    tenant, _ = await tenants.create_tenant(
        Actor.operator("tests"), "Bakery", admin_email="owner@bakery.test"
    )
    await _dead_and_stuck_work(TenantScope(tenant.id))
    code, checks = _doctor(healthy)
    assert code == 1
    assert (
        checks["dead events"]["level"] == "fail" and "/admin/events" in checks["dead events"]["fix"]
    )
    assert checks["stuck events"]["level"] == "fail"
    assert checks["stuck sends"]["level"] == "fail"

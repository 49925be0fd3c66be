import asyncio

from b2a.lib.redis import heartbeat_key, lease_key
from b2a.session.leases import KIND, Leases
from b2a.session.main import SessionProcess


async def holder(redis, tenant_id):
    """Which process the tenant's lease names (the key the leases write)."""
    return await redis.get(lease_key(KIND, tenant_id))


class RecordingRunner:
    def __init__(self, tenant_id, log, fail=False):
        self.tenant_id, self.log, self.fail = tenant_id, log, fail
        self.ended = False

    async def start(self):
        if self.fail:
            raise ConnectionError("WhatsApp unreachable")
        self.log.append(("start", self.tenant_id))

    async def stop(self):
        self.log.append(("stop", self.tenant_id))


def _process(settings, redis, wanted, log, name, fail=()):
    async def wanted_tenants():
        return list(wanted)

    return SessionProcess(
        settings,
        redis,
        wanted_tenants,
        lambda t: RecordingRunner(t, log, fail=t in fail),
        instance=name,
    )


async def test_only_one_process_claims_a_tenant(make_settings, redis):
    settings = make_settings()
    log_a, log_b = [], []
    a = _process(settings, redis, ["t1", "t2"], log_a, "a")
    b = _process(settings, redis, ["t1", "t2"], log_b, "b")
    await a.tick()
    await a.settle()
    await b.tick()
    await b.settle()
    assert sorted(a.runners) == ["t1", "t2"] and b.runners == {}
    assert await holder(redis, "t1") == "a"
    assert await redis.exists(heartbeat_key("whatsapp", "a"))


async def test_an_abandoned_lease_expires_and_another_process_takes_over(make_settings, redis):
    settings = make_settings(B2A_WHATSAPP_LEASE_SECONDS="1")
    a = _process(settings, redis, ["t1"], [], "a")
    b = _process(settings, redis, ["t1"], [], "b")
    await a.tick()
    await a.settle()
    await b.tick()
    assert b.runners == {}
    await asyncio.sleep(1.2)  # a has died without renewing
    await b.tick()
    await b.settle()
    assert list(b.runners) == ["t1"]
    await a.tick()  # a wakes up: its renewal fails and it lets go
    assert a.runners == {}
    assert await holder(redis, "t1") == "b"


async def test_stopping_releases_every_lease(make_settings, redis):
    settings = make_settings()
    log = []
    a = _process(settings, redis, ["t1", "t2"], log, "a")
    task = asyncio.create_task(a.run())
    for _ in range(50):
        if len(a.runners) == 2:
            break
        await asyncio.sleep(0.05)
    a.request_stop()
    await asyncio.wait_for(task, 5)
    assert ("stop", "t1") in log and ("stop", "t2") in log
    assert await holder(redis, "t1") is None
    assert not await redis.exists(heartbeat_key("whatsapp", "a"))


async def test_a_failing_session_backs_off_without_hurting_the_others(make_settings, redis):
    settings = make_settings()
    a = _process(settings, redis, ["bad", "good"], [], "a", fail={"bad"})
    await a.tick()
    await a.settle()
    assert list(a.runners) == ["good"]
    assert await holder(redis, "bad") is None  # released for another process to try
    first_delay = a._backoff["bad"].not_before
    await a.tick()  # still inside the backoff window: not retried
    await a.settle()
    assert a._backoff["bad"].failures == 1 and a._backoff["bad"].not_before == first_delay


async def test_a_tenant_no_longer_wanted_is_stopped_and_released(make_settings, redis):
    settings = make_settings()
    wanted = ["t1"]
    log = []
    a = _process(settings, redis, wanted, log, "a")
    await a.tick()
    await a.settle()
    wanted.clear()
    await a.tick()
    assert a.runners == {} and ("stop", "t1") in log
    assert await Leases(redis, "other", 30).claim("t1")


async def test_a_session_that_ends_by_itself_is_released_and_retried_after_backoff(
    make_settings, redis
):
    settings = make_settings()
    log = []
    a = _process(settings, redis, ["t1"], log, "a")
    await a.tick()
    await a.settle()
    a.runners["t1"].ended = True
    await a.tick()
    assert a.runners == {} and ("stop", "t1") in log
    assert await holder(redis, "t1") is None
    assert a._backoff["t1"].failures == 1  # not restarted inside the backoff window
    await a.tick()
    await a.settle()
    assert a.runners == {}


async def test_a_slow_start_does_not_hold_up_the_loop(make_settings, redis):
    settings = make_settings()
    release = asyncio.Event()

    class SlowRunner(RecordingRunner):
        async def start(self):
            await release.wait()

    a = SessionProcess(
        settings, redis, lambda: _async(["slow"]), lambda t: SlowRunner(t, []), instance="a"
    )
    await asyncio.wait_for(a.tick(), 2)
    await asyncio.wait_for(a.tick(), 2)  # renews the lease; no second start in flight
    assert a.runners == {} and list(a._starting) == ["slow"]
    release.set()
    await a.settle()
    assert list(a.runners) == ["slow"]


async def _async(value):
    return value

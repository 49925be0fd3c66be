"""The one Redis client factory behind Sentinels, and the doctor's view of them.

On a real master, replica and three Sentinels (``tests/sentinels.py``), with
passwords on both the master and the Sentinels.
"""

from __future__ import annotations

import asyncio

import pytest
import redis as sync_redis

from b2a.lib import redis as redis_lib
from b2a.ops.checks import check_redis
from b2a.ops.queue import create_queue
from b2a.settings import load_settings
from tests import sentinels

pytestmark = pytest.mark.slow  # five redis-servers


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    with sentinels.sentinel_topology(tmp_path_factory.mktemp("sentinels")) as running:
        yield running


def _settings(topology, **overrides):
    return load_settings({**topology.env(), **overrides})


def _sentinel_clients(topology) -> int:
    with topology.sentinel(topology.sentinel_ports[0]) as client:
        return int(client.info("clients")["connected_clients"])


async def test_a_client_writes_to_the_master_the_sentinels_name(topology):
    settings = _settings(topology)
    client = redis_lib.connect(settings.redis)
    try:
        await client.set("b2a:test:where", "here")
    finally:
        await client.aclose()
    master = sync_redis.Redis.from_url(topology.data_url(topology.master_port()))
    assert master.get("b2a:test:where") == b"here"


async def test_the_urls_database_number_and_password_are_the_masters(topology):
    url = f"redis://:{sentinels.DATA_PASSWORD}@ignored-host:1/5"
    client = redis_lib.connect(_settings(topology, B2A_REDIS_URL=url).redis)
    try:
        await client.set("b2a:test:db", "five")
    finally:
        await client.aclose()
    master = topology.data_url(topology.master_port()).removesuffix("/0")
    assert sync_redis.Redis.from_url(f"{master}/5").get("b2a:test:db") == b"five"


async def test_the_queue_is_on_the_master_too(topology):
    queue = create_queue(_settings(topology).redis)
    await queue.connect()
    try:
        assert (await queue.info())["queued"] == 0
    finally:
        await queue.disconnect()


async def test_closing_a_client_closes_its_connections_to_the_sentinels(topology):
    before = _sentinel_clients(topology)
    for _ in range(5):
        client = redis_lib.connect(_settings(topology).redis)
        await client.ping()
        await client.aclose()
    assert _sentinel_clients(topology) == before


async def test_a_wrong_sentinel_password_fails_as_redis_unreachable(topology):
    settings = _settings(topology, B2A_REDIS_SENTINEL_PASSWORD="wrong")
    client = redis_lib.connect(settings.redis, timeout=2)
    try:
        with pytest.raises(sync_redis.ConnectionError, match="No master found"):
            await client.ping()
    finally:
        await client.aclose()


async def test_a_client_follows_a_failover_by_itself(topology):
    client = redis_lib.connect(_settings(topology).redis, timeout=2)
    try:
        await client.set("b2a:test:before", "1")
        old = topology.master_port()
        with topology.sentinel(topology.sentinel_ports[0]) as sentinel:
            sentinel.sentinel_failover(sentinels.MASTER_NAME)
        new = await asyncio.to_thread(topology.wait_for_master, old)
        # A write the old master takes before the Sentinels demote it is lost with its data:
        # Redis's own caveat (docs/operations.md, "Redis Sentinel"). Once it is demoted, the
        # client's next call finds it read-only and asks the Sentinels again.
        await asyncio.to_thread(topology.wait_for_role, old, "slave")
        for _ in range(20):
            try:
                await client.set("b2a:test:after", "1")
                break
            except sync_redis.ConnectionError:
                await asyncio.sleep(0.1)
        assert await client.get("b2a:test:before") == "1"
    finally:
        await client.aclose()
    assert sync_redis.Redis.from_url(topology.data_url(new)).get("b2a:test:after") == b"1"
    topology.wait_until_watched(replica=old)


async def test_the_doctor_reports_the_topology_without_secrets(topology):
    settings = _settings(topology)
    checks = {c.name: c for c in await check_redis(settings)}
    master = topology.master_port()

    assert checks["redis sentinels"].level == "ok"
    assert checks["redis sentinels"].detail == "3 of 3 reachable"
    assert (
        checks["redis master"].detail
        == f"'{sentinels.MASTER_NAME}' at 127.0.0.1:{master} (quorum 2)"
    )
    assert checks["redis replicas"].level == "ok" and "1 up" in checks["redis replicas"].detail
    assert checks["redis"].level == "ok" and sentinels.MASTER_NAME in checks["redis"].detail
    text = repr(checks)
    assert sentinels.DATA_PASSWORD not in text and sentinels.SENTINEL_PASSWORD not in text


async def test_the_doctor_names_the_unreachable_sentinel_and_a_wrong_master_name(topology):
    environ = topology.env()
    dead = "127.0.0.1:1"
    environ["B2A_REDIS_SENTINELS"] += f",{dead}"
    checks = {c.name: c for c in await check_redis(load_settings(environ))}
    assert checks["redis sentinels"].level == "warn"
    assert checks["redis sentinels"].detail.startswith(f"3 of 4 reachable; {dead}: ")

    environ = {**topology.env(), "B2A_REDIS_SENTINEL_MASTER": "nosuch"}
    checks = {c.name: c for c in await check_redis(load_settings(environ))}
    assert checks["redis sentinels"].level == "fail"
    assert "No such master" in checks["redis sentinels"].detail
    assert checks["redis"].level == "fail"

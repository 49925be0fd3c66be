"""Redis fails over under a webhook stream: nothing acknowledged is lost, nobody is restarted.

A master, its replica and three Sentinels run on loopback (``tests/sentinels.py``),
and ``b2a serve``, ``b2a worker`` and ``b2a whatsapp`` run as real processes
configured with the Sentinels only. Mid-stream the master is SIGKILLed, as a
crashed host would leave it; the Sentinels promote the replica. Every webhook
answered 200 must be stored once and answered once, the same three processes
must carry on against the new master by themselves, and ``/ready`` must say 200
again. A webhook whose job could not be queued during the failover is queued by
the minute sweep (``requeue_stranded``), so the run waits for it.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest
import redis

from bench import faults, harness
from tests import sentinels

pytestmark = pytest.mark.slow  # five redis-servers and every b2a process

MESSAGES = 300
RATE = 50
KILL_AFTER = 100
SETTLE_SECONDS = 150  # a stranded event waits 30 s, then for the minute sweep


async def test_a_master_failover_loses_nothing_acknowledged_and_needs_no_restart(
    make_database, tmp_path
):
    db_url = make_database()
    with sentinels.sentinel_topology(tmp_path / "redis") as topology:
        env = {
            **harness.base_env(tmp_path / "home", db_url, ""),
            **topology.env(),
            # Beats every second (the session process at a third of its lease), so the test can
            # see each process write to the new master soon after the failover.
            "B2A_WORKER_HEARTBEAT_SECONDS": "1",
            "B2A_WHATSAPP_LEASE_SECONDS": "3",
        }
        old_master = topology.master_port()
        with harness.running_stack(env, tmp_path / "logs") as stack:
            stack.start_graph()
            _, channel_id = await harness.prepare_tenant(env, stack.graph_url)
            for name in harness.PROCESSES:
                stack.start(name)
            pids = stack.pids()
            probe = faults.ReadyProbe(stack.base_url)
            probe.start()
            await faults._wait_ready(probe)
            killed: dict[str, float] = {}

            def kill_master(accepted: int) -> None:
                if accepted == KILL_AFTER:
                    topology.kill(old_master)
                    killed.update(at=time.monotonic(), wall=time.time())

            drive = await harness.drive(
                stack.base_url, channel_id, rate=RATE, count=MESSAGES, on_progress=kill_master
            )
            new_master = await asyncio.to_thread(topology.wait_for_master, old_master)
            to_503 = await probe.first(killed["at"], 503, "REDIS_UNAVAILABLE")
            to_200 = await probe.first(killed["at"] + to_503, 200)
            await probe.stop()
            outcome = await harness.settle(
                db_url,
                expected=len(drive.wamids),
                replies=len(drive.wamids),
                timeout=SETTLE_SECONDS,
            )
            sent = Counter(send["to"] for send in harness.sends(stack.graph_url))
            beats = _heartbeats(topology.data_url(new_master))
            assert stack.pids() == pids, "no process was restarted"
            assert all(p.poll() is None for p in stack.processes.values()), "all still running"

    stranded = (tmp_path / "logs" / "serve.log").read_text().count("kept but not queued")
    print(
        f"failover: /ready 503 {to_503:.2f} s and 200 again {to_503 + to_200:.2f} s after the kill;"
        f" {drive.rejected} webhooks refused, {len(drive.wamids)} acknowledged,"
        f" {stranded} of them queued by the sweep"
    )
    assert new_master != old_master
    assert to_503 < 5 and to_200 < 15, (to_503, to_200)
    acked = set(drive.wamids.values())
    assert len(acked) >= MESSAGES - drive.rejected and len(acked) > KILL_AFTER
    assert outcome.unprocessed_events == 0 and outcome.unsettled_sends == 0, outcome
    assert acked <= set(outcome.inbound_by_wamid), "nothing acknowledged is lost"
    assert set(outcome.inbound_by_wamid.values()) == {1}, "each stored exactly once"
    assert outcome.dead == {}, outcome.dead
    assert set(drive.wamids) <= set(sent), "every acknowledged message answered"
    assert max(sent.values()) == 1, "none answered twice"
    # Each process wrote its heartbeat to the new master after the old one died.
    assert {kind for kind, at in beats if at > killed["wall"]} == {"worker", "whatsapp"}, beats


def _heartbeats(url: str) -> list[tuple[str, int]]:
    """(process kind, last beat) of every heartbeat on the server at ``url``."""
    with redis.Redis.from_url(url, decode_responses=True) as client:
        keys = list(client.scan_iter(match="b2a:heartbeat:*"))
        return [(key.split(":")[2], int(client.get(key) or 0)) for key in keys]

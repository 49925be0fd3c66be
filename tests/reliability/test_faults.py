"""Kills and restarts under a webhook stream: nothing acknowledged is lost or doubled.

The short form of ``bench/faults.py`` (which does the full run and records the
figures in docs/reliability.md): the same stack on its own PostgreSQL cluster
and redis-server, the same faults, fewer kills and shorter outages. While a
dependency is down ``/ready`` answers 503 naming it, and 200 again once it is
back, with no step by hand; each process stops on SIGTERM within its systemd
unit's grace period, and what it held is finished or done by its successor.
"""

from __future__ import annotations

import math

import pytest

from bench import faults

pytestmark = pytest.mark.slow  # its own PostgreSQL and Redis, and every b2a process

# Each kill comes 6 s after the previous worker is up, once its sweep (every 5 s) has taken
# back the killed worker's jobs: a kill in the middle of a sweep leaves a send's job half-swept,
# and the stranded-send sweep takes such a send back only after 5 minutes (the full run,
# bench/faults.py, kills every 2 s and waits for that).
PLAN = faults.Plan(rate=100, kills=2, kill_every=6.0, outage=1.5, calm=0.5, settle_timeout=600)


async def test_every_acknowledged_message_is_stored_once_and_answered_at_most_once(tmp_path):
    report = await faults.run(PLAN, tmp_path / "faults", log=lambda line: None)

    assert report.kills == PLAN.kills
    assert report.acked == report.sent, report.statuses  # all taken in the end, as Meta retries
    assert report.lost == 0 and report.stored == report.acked
    assert report.stored_twice == 0, "each stored exactly once"
    assert report.answered_twice == 0, "answered at most once"
    # A send whose outcome a fault hid (caught on the wire by a SIGKILL, or its result not
    # written while PostgreSQL was down) is dead-lettered INTERRUPTED, never retried: it may
    # or may not have reached WhatsApp.
    assert set(report.dead) <= {"INTERRUPTED"}, report.dead
    assert report.unprocessed == 0 and report.unsettled == 0, report
    assert report.acked - report.interrupted <= report.answered <= report.acked, report
    assert "500" not in report.statuses, "an outage answers 503, never 500"

    assert [(o.name, o.code) for o in report.outages] == [
        ("Redis", "REDIS_UNAVAILABLE"),
        ("PostgreSQL", "DB_UNAVAILABLE"),
    ]
    for outage in report.outages:
        assert math.isfinite(outage.to_503), f"/ready never said {outage.code}"
        assert math.isfinite(outage.to_200), f"/ready never recovered from {outage.name}"

    assert set(report.stops) == {"serve", "worker", "whatsapp"}
    for process, took in report.stops.items():
        assert took < report.grace[process], f"{process} outlived TimeoutStopSec"

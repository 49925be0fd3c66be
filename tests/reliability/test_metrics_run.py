"""A real run's metrics: ``b2a serve`` and ``b2a worker`` as processes, one scrape adds them up.

The server counts webhooks and stored events, the worker jobs, turns and sends;
each writes its own files in the host's metrics directory and the server's
``/metrics`` sums them. A worker that is stopped and replaced leaves its
counts behind (folded into the archive), so no total ever falls, and its
successor counts on from there.
"""

import re
import time

import httpx

from bench import harness

MESSAGES = 20
MORE = 5
ID_LIKE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}|\d{7}")


def _samples(text):
    """{(name, frozenset(labels)): value} of every sample in an exposition."""
    found = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        head, _, value = line.rpartition(" ")
        name, _, labels = head.partition("{")
        pairs = frozenset(re.findall(r'(\w+)="([^"]*)"', labels))
        found[(name, pairs)] = float(value)
    return found


def _total(samples, name, **labels):
    want = set(labels.items())
    return sum(v for (n, pairs), v in samples.items() if n == name and want <= pairs)


def _wait_for_fold(directory, pid, timeout=20.0):
    """The directory's files once a starting process has folded those of ``pid``."""
    deadline = time.monotonic() + timeout
    while (directory / f"counter_{pid}.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    return sorted(p.name for p in directory.glob("*.db"))


async def test_metrics_of_serve_and_worker_are_summed_and_survive_a_worker_restart(
    make_database, redis_url, redis, tmp_path
):
    db_url = make_database()
    env = harness.base_env(tmp_path / "home", db_url, redis_url)
    directory = tmp_path / "home" / "metrics"
    with harness.running_stack(env, tmp_path / "logs") as stack:
        stack.start_graph()
        _, channel_id = await harness.prepare_tenant(env, stack.graph_url, assistant=True)
        stack.start("serve")
        stack.start("worker")
        drive = await harness.drive(stack.base_url, channel_id, rate=50, count=MESSAGES)
        await harness.settle(db_url, expected=MESSAGES, replies=MESSAGES, timeout=120)
        before = httpx.get(f"{stack.base_url}/metrics", timeout=10).text
        files = sorted(p.name for p in directory.glob("*.db"))
        pids = stack.pids()
        stack.terminate("worker")
        stack.start("worker")
        folded = _wait_for_fold(directory, pids["worker"])
        await harness.drive(
            stack.base_url, channel_id, rate=50, count=MORE, first_phone=930_000_000_000
        )
        total = MESSAGES + MORE
        await harness.settle(db_url, expected=total, replies=total, timeout=120)
        after = httpx.get(f"{stack.base_url}/metrics", timeout=10).text

    assert drive.rejected == 0
    assert f"counter_{pids['serve']}.db" in files and f"counter_{pids['worker']}.db" in files
    samples = _samples(before)
    assert _total(samples, "b2a_webhooks_received_total", source="whatsapp") == MESSAGES
    assert _total(samples, "b2a_events_persisted_total", transport="cloud", kind="msg") == MESSAGES
    assert _total(samples, "b2a_sends_total", transport="cloud", code="ok") == MESSAGES
    assert _total(samples, "b2a_assistant_turns_total") == MESSAGES
    assert _total(samples, "b2a_job_duration_seconds_count", status="complete") >= MESSAGES
    assert _total(
        samples, "b2a_http_request_seconds_count", route="/webhooks/whatsapp/{channel_id}"
    )
    assert _total(samples, "b2a_live_read_ok", source="queue") == 1
    labels = [v for (_, pairs) in samples for _, v in pairs]
    assert not [v for v in labels if ID_LIKE.search(v)], "no id is ever a label"
    # The stopped worker's counts were folded into the archive: nothing fell.
    assert f"counter_{pids['worker']}.db" not in folded and "counter_archive.db" in folded
    # The new worker counts on top of the old one's: the totals go on from where they were.
    again = _samples(after)
    assert _total(again, "b2a_sends_total", code="ok") == MESSAGES + MORE
    assert _total(again, "b2a_assistant_turns_total") == MESSAGES + MORE
    assert _total(again, "b2a_webhooks_received_total") == MESSAGES + MORE

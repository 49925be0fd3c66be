"""The Grafana dashboard's queries, run by a real Prometheus against a real stack.

Prometheus (Debian's package, started on a free port with its own config and
storage) scrapes ``b2a serve``'s ``/metrics`` every second while webhooks
stream through ``b2a serve`` and ``b2a worker``: first with the worker running
(answered by the offline assistant, plus refused deliveries and a
redelivery), then with the worker stopped so a backlog waits in the queue.
Every query of every panel of deploy/grafana/b2a.json is then asked for over
the run as Grafana asks (``/api/v1/query_range``, its variables replaced by
the values Grafana would give them): each must parse, and each that such a run
feeds must return a finite value, with every label its legend names.
"""

import math
import re
import time

import httpx
import pytest

from bench import harness, prometheus

MESSAGES = 25
RATE = 5.0  # webhooks per second: the stream spans several scrapes, as traffic does
BACKLOG = 4
SCRAPE = 1  # seconds
# What Grafana gives its variables for a panel of this run: $__rate_interval is four scrape
# intervals (its floor), $__interval the step of a short range.
VARIABLES = {"__rate_interval": f"{4 * SCRAPE}s", "__interval": f"{SCRAPE}s"}
# Queries a healthy run leaves empty, and why; every other query must return data.
QUIET = {
    ("Dead letters", "B"): "no message fails for good",
    ("AI breakers", "A"): "a provider's breaker is recorded at its first failure; none failed",
    ("AI breakers", "B"): "no provider fails, so no breaker opens",
    ("WhatsApp-Web sessions", "A"): "the tenant has a Cloud API number, no WhatsApp-Web session",
}


async def _refused_and_redelivered(base_url, channel_id):
    """Three deliveries with a broken signature, one to no channel, one redelivery."""
    body, headers = harness.webhook("920000000001", "wamid.refused", 0)
    again, again_headers = harness.webhook("920000000000", "wamid.bench.920000000000", time.time())
    async with httpx.AsyncClient(base_url=base_url) as client:
        for _ in range(3):
            await client.post(f"/webhooks/whatsapp/{channel_id}", content=body + b" ")
        await client.post("/webhooks/whatsapp/no-such-channel", content=body, headers=headers)
        response = await client.post(
            f"/webhooks/whatsapp/{channel_id}", content=again, headers=again_headers
        )
        assert response.status_code == 200


def _finite(series):
    return [v for s in series for _, v in s["values"] if math.isfinite(float(v))]


def _legend_labels(legend):
    return set(re.findall(r"\{\{\s*(\w+)\s*\}\}", legend))


async def test_every_dashboard_query_parses_and_those_a_run_feeds_return_data(
    make_database, redis_url, redis, tmp_path
):
    if prometheus.binary() is None:
        pytest.skip("the prometheus binary is missing: ./setup.sh --test installs it")
    targets = prometheus.dashboard_targets(VARIABLES)
    db_url = make_database()
    env = harness.base_env(tmp_path / "home", db_url, redis_url)
    with harness.running_stack(env, tmp_path / "logs") as stack:
        stack.start_graph()
        _, channel_id = await harness.prepare_tenant(env, stack.graph_url, assistant=True)
        stack.start("serve")
        target = f"127.0.0.1:{stack.port}"
        with prometheus.running([target], tmp_path / "prometheus", f"{SCRAPE}s") as server:
            began = time.time()
            stack.start("worker")
            # One message first: its series exist (a series starts at its first count) and a
            # scrape has seen them before the stream, so rate() sees the stream's increase.
            await harness.drive(stack.base_url, channel_id, rate=RATE, count=1)
            await harness.settle(db_url, expected=1, replies=1, timeout=120)
            server.wait_for("sum(b2a_sends_total)", 1)
            drive = await harness.drive(
                stack.base_url, channel_id, rate=RATE, count=MESSAGES, first_phone=921_000_000_000
            )
            await _refused_and_redelivered(stack.base_url, channel_id)
            total = 1 + MESSAGES
            await harness.settle(db_url, expected=total, replies=total, timeout=120)
            stack.terminate("worker")
            await harness.drive(
                stack.base_url, channel_id, rate=RATE, count=BACKLOG, first_phone=930_000_000_000
            )
            waiting = server.wait_for('sum(b2a_queue_jobs{state="queued"})', BACKLOG)
            stack.start("worker")
            total += BACKLOG
            await harness.settle(db_url, expected=total, replies=total, timeout=120)
            sent = server.wait_for("sum(b2a_sends_total)", total)
            ended = time.time()
            answers, refused = {}, {}
            for query in targets:
                try:
                    answers[query] = server.query_range(query.expr, began, ended, SCRAPE)
                except prometheus.QueryError as exc:
                    refused[query] = str(exc)
            stored = server.series('{__name__=~"b2a_.+"}')

    assert drive.rejected == 0 and waiting >= BACKLOG and sent >= total
    assert refused == {}, "every query parses and runs"
    assert len(targets) >= 20
    empty = {(q.panel, q.ref): q.expr for q, series in answers.items() if not _finite(series)}
    assert empty.keys() - QUIET.keys() == set(), f"queries with no data: {empty}"
    for query, series in answers.items():
        missing = [
            s["metric"] for s in series if not _legend_labels(query.legend) <= s["metric"].keys()
        ]
        assert missing == [], f"{query.panel}: series without a label its legend names"
    # A label b2a exposes that Prometheus also sets (job, instance) is renamed exported_<name>,
    # and the dashboard's `by (job)` would group by the scrape job instead.
    clashes = {k for labels in stored for k in labels if k.startswith("exported_")}
    assert clashes == set()

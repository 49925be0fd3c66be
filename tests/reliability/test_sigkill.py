"""SIGKILL the worker in the middle of a stream: nothing accepted is lost, nothing doubled.

The stack runs as real processes (``b2a serve``, ``b2a worker``) against
PostgreSQL, Redis and the fake Graph API; the benchmark drives the same stack
(bench/harness.py). Every message comes from a new customer of a tenant with a
greeting, so every message calls for exactly one send. With the offline
assistant on, that is the assistant's answer led by the greeting (one reply per
turn), sent by its own job; with it off, the greeting alone, sent by the
inbound job itself (``send_now``), so the kill catches sends of both kinds.
"""

from collections import Counter

import pytest

from bench import harness

MESSAGES = 300
KILL_AFTER = 100


@pytest.mark.parametrize("assistant", [True, False], ids=["assistant", "greeting"])
async def test_a_worker_killed_mid_stream_stores_each_message_once_and_answers_at_most_once(
    make_database, redis_url, redis, tmp_path, assistant
):
    db_url = make_database()
    env = harness.base_env(tmp_path / "home", db_url, redis_url)
    with harness.running_stack(env, tmp_path / "logs") as stack:
        stack.start_graph()
        _, channel_id = await harness.prepare_tenant(env, stack.graph_url, assistant=assistant)
        stack.start("serve")
        stack.start("worker")

        def kill_and_restart(accepted: int) -> None:
            if accepted == KILL_AFTER:
                stack.kill("worker")
                stack.start("worker")

        drive = await harness.drive(
            stack.base_url, channel_id, rate=100, count=MESSAGES, on_progress=kill_and_restart
        )
        outcome = await harness.settle(db_url, expected=MESSAGES, replies=MESSAGES, timeout=240)
        sent = Counter((send["to"], send["body"]) for send in harness.sends(stack.graph_url))

    assert drive.rejected == 0 and len(drive.wamids) == MESSAGES, drive.rejected
    assert outcome.unprocessed_events == 0 and outcome.unsettled_sends == 0, outcome
    assert sorted(outcome.inbound_by_wamid) == sorted(drive.wamids.values()), "none lost"
    assert set(outcome.inbound_by_wamid.values()) == {1}, "each stored exactly once"
    assert max(sent.values()) == 1, "nothing sent twice"
    assert {to for to, _ in sent} <= set(drive.wamids)
    assert Counter(to for to, _ in sent).most_common(1)[0][1] == 1, "answered at most once"
    assert outcome.outbound == MESSAGES, "one reply each"
    if assistant:  # the greeting leads the answer
        assert all(body.startswith(f"{harness.GREETING}\n\n") for _, body in sent)
    else:
        assert {body for _, body in sent} == {harness.GREETING}
    # A reply is missing only when the kill caught its send on the wire; such a
    # send is dead-lettered INTERRUPTED (never retried), and it may or may not
    # have reached WhatsApp before the worker died.
    interrupted = outcome.dead.get("INTERRUPTED", 0)
    assert set(outcome.dead) <= {"INTERRUPTED"}, outcome.dead
    assert MESSAGES - interrupted <= len(sent) <= MESSAGES, (len(sent), outcome.dead)

"""A real run's traces: each message is one trace from its webhook to the reply's send.

``b2a serve`` and ``b2a worker`` run as processes with ``B2A_TRACING=otlp``,
exporting to a local collector that receives OTLP/HTTP protobuf as a real one
would (``tests/fakes/otlp.py``), or with ``B2A_TRACING=console``, writing
spans as JSON lines in their logs. Either way, for every message the webhook's
server span, the inbound job, the store step, the assistant's turn and its
provider call, the send job and the Cloud API call share one trace id, each
span the child of the one before it across both processes. The stored batches
are traces of their own, linked to each message's store step. No span names a
secret, the customer's text or phone number.
"""

from __future__ import annotations

from collections import Counter

import pytest

from bench import harness
from tests.fakes.otlp import FakeCollector, Received, from_console

MESSAGES = 6
WEBHOOK = "POST /webhooks/whatsapp/{channel_id}"
# Each span of a message's trace, with the one it must be a child of.
CHAIN = (
    (WEBHOOK, None),
    ("inbox.accept", WEBHOOK),
    ("process_inbound", "inbox.accept"),
    ("inbox.store", "process_inbound"),
    ("assistant_reply", "process_inbound"),
    ("assistant.provider", "assistant_reply"),
    ("send_message", "assistant_reply"),
    ("POST messages", "send_message"),
)
CUSTOMER_TEXT = "price kya hai?"  # what harness.webhook's customers write


def _console_spans(logs: dict[str, str]) -> list[Received]:
    return [
        from_console(line)
        for text in logs.values()
        for line in text.splitlines()
        if line.startswith('{"name"')
    ]


def _one(spans: list[Received], name: str) -> Received:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, (name, found)
    return found[0]


@pytest.mark.parametrize("exporter", ["otlp", "console"])
async def test_each_message_is_one_trace_from_webhook_to_send(
    make_database, redis_url, redis, tmp_path, exporter
):
    db_url = make_database()
    with FakeCollector() as collector:
        env = {
            **harness.base_env(tmp_path / "home", db_url, redis_url),
            "B2A_TRACING": exporter,
            "B2A_TRACING_ENDPOINT": collector.url,
        }
        with harness.running_stack(env, tmp_path / "logs") as stack:
            stack.start_graph()
            tenant_id, channel_id = await harness.prepare_tenant(
                env, stack.graph_url, assistant=True
            )
            stack.start("serve")
            stack.start("worker")
            drive = await harness.drive(stack.base_url, channel_id, rate=50, count=MESSAGES)
            outcome = await harness.settle(db_url, expected=MESSAGES, replies=MESSAGES, timeout=120)
            stack.stop_all()  # each process sends what it still holds as it exits
        logs = {path.name: path.read_text() for path in (tmp_path / "logs").glob("*.log")}
    spans = collector.spans if exporter == "otlp" else _console_spans(logs)

    assert drive.rejected == 0 and len(outcome.inbound_by_wamid) == MESSAGES
    assert outcome.outbound >= MESSAGES and outcome.unsettled_sends == 0
    traces: dict[str, list[Received]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    messages = [t for t in traces.values() if any(s.name == WEBHOOK for s in t)]
    assert len(messages) == MESSAGES, Counter((s.service, s.name) for s in spans)
    for trace in messages:
        chain = {name: _one(trace, name) for name, _ in CHAIN}
        for name, parent in CHAIN:
            expected = chain[parent].span_id if parent else ""
            assert chain[name].parent_id == expected, (name, parent, trace)
        assert chain[WEBHOOK].service == "b2a-serve" and chain[WEBHOOK].kind == "server"
        assert chain[WEBHOOK].attributes["http.response.status_code"] == 200
        assert chain["send_message"].service == "b2a-worker"
        assert chain["process_inbound"].attributes["b2a.tenant_id"] == tenant_id
        assert chain["inbox.store"].attributes["b2a.message_id"]
        assert chain["assistant.provider"].attributes["b2a.ai.provider"]
        assert chain["POST messages"].kind == "client"
        assert chain["POST messages"].attributes["http.response.status_code"] == 200
        assert not any(s.failed for s in trace), trace
    # The batches stored many messages each: every message's store step is linked from one.
    stores = {(s.trace_id, s.span_id) for t in messages for s in t if s.name == "inbox.store"}
    batches = [s for s in spans if s.name == "inbox.store_batch"]
    assert batches and all(not b.parent_id for b in batches)
    assert stores <= {link for b in batches for link in b.links}
    _assert_nothing_secret(spans, env)


def _assert_nothing_secret(spans: list[Received], env: dict[str, str]) -> None:
    """No credential, no customer text and no phone number in anything a collector receives."""
    secrets = {
        "Cloud API token": harness.GRAPH_TOKEN,
        "Cloud API app secret": harness.APP_SECRET,
        "B2A_SECRET_KEY": env["B2A_SECRET_KEY"],
        "B2A_ENCRYPTION_KEY": env["B2A_ENCRYPTION_KEY"],
        "customer's text": CUSTOMER_TEXT,
        "customer's phone number": "92000000",  # harness.drive's numbers start so
        "assistant's reply": "Haircut",  # the offline assistant names the catalogue's services
    }
    assert all(span.text for span in spans)
    leaks = {what for span in spans for what, secret in secrets.items() if secret in span.text}
    assert not leaks, leaks

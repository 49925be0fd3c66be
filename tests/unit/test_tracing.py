"""Trace context across the seams: job meta, the batch coalescer, and nothing when off."""

import asyncio

from opentelemetry.trace import SpanKind

from b2a.lib import tracing
from b2a.lib.batcher import Batcher
from tests.tracing import recording


class Queue:
    """What b2a.lib.queue hands a job queue, kept (the shape SAQ's enqueue receives)."""

    def __init__(self):
        self.enqueued = []

    async def enqueue(self, name, **kwargs):
        self.enqueued.append((name, kwargs))
        return object()


def _ids(span):
    context = getattr(span, "context", span)
    return context.trace_id, context.span_id


async def test_a_job_enqueued_inside_a_span_carries_it_as_traceparent_in_its_meta():
    from b2a.lib import queue

    fake = Queue()
    queue.install(fake)
    with recording() as spans, tracing.span("caller"):
        await queue.enqueue("send_message", key="k", tenant_id="t", message_id="m")
    (caller,) = spans.get_finished_spans()
    (_, job), *_ = fake.enqueued
    version, trace_id, span_id, flags = job["meta"]["traceparent"].split("-")
    assert (int(trace_id, 16), int(span_id, 16)) == _ids(caller)
    assert job["kwargs"] == {"tenant_id": "t", "message_id": "m"}, "the task's arguments stay"


async def test_with_tracing_off_nothing_is_carried_and_spans_cost_nothing():
    from b2a.lib import queue

    fake = Queue()
    queue.install(fake)
    assert not tracing.enabled()
    with tracing.span("anything", attributes={"b2a.x": 1}) as span:
        span.set({"b2a.y": 2})
        await queue.enqueue("send_message", key="k")
    assert span is tracing.QUIET
    assert fake.enqueued[0][1]["meta"] == {} and tracing.link() is None


def test_a_span_continues_the_trace_its_carrier_names():
    with recording() as spans:
        with tracing.span("webhook", kind="server"):
            carried = tracing.carrier()
        with tracing.span("job", kind="consumer", parent=carried):
            pass
        with tracing.span("unrelated", parent={}):
            pass
    webhook, job, unrelated = spans.get_finished_spans()
    assert job.parent.span_id == webhook.context.span_id and job.kind is SpanKind.CONSUMER
    assert job.context.trace_id == webhook.context.trace_id
    assert unrelated.parent is None and unrelated.context.trace_id != webhook.context.trace_id


async def test_a_batch_is_a_trace_of_its_own_linked_to_every_caller_it_answers():
    async def echo(items):
        return {item: item for item in items}

    batcher = Batcher(echo, size=10, wait=0.01, name="inbox.store_batch")

    async def caller(n):
        with tracing.span(f"store {n}"):
            return await batcher.submit(n)

    with recording() as spans:
        assert await asyncio.gather(*(caller(n) for n in range(3))) == [0, 1, 2]
    finished = spans.get_finished_spans()
    (batch,) = [s for s in finished if s.name == "inbox.store_batch"]
    callers = [s for s in finished if s.name.startswith("store ")]
    assert batch.parent is None and batch.attributes["b2a.batch.size"] == 3
    assert {_ids(link) for link in batch.links} == {_ids(s) for s in callers}
    assert len({s.context.trace_id for s in callers} | {batch.context.trace_id}) == 4

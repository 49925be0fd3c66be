"""A job's span continues the trace that queued it, through Redis and a real SAQ worker."""

import asyncio

from opentelemetry.trace import SpanKind, StatusCode
from saq import Status

from b2a.lib import queue as job_queue
from b2a.lib import tracing
from tests.pipeline import running_worker
from tests.tracing import recording


async def _finished(worker, key):
    job = await worker.queue.job(key)
    for _ in range(200):
        await job.refresh()
        if job.status in (Status.COMPLETE, Status.FAILED):
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {key} still {job.status}")


async def test_the_job_span_is_the_child_of_the_span_that_queued_it(pg, make_settings, redis):
    settings = make_settings(B2A_DB_URL=pg.url)
    with recording() as spans:
        async with running_worker(settings) as worker:
            with tracing.span("webhook", kind="server"):
                assert await job_queue.enqueue("cleanup", key="traced-cleanup")
            job = await _finished(worker, "traced-cleanup")
            for _ in range(100):  # the span ends in the hook after the job's status is saved
                if any(s.name == "cleanup" for s in spans.get_finished_spans()):
                    break
                await asyncio.sleep(0.05)
    assert job.status == Status.COMPLETE, job.error
    assert set(job.meta) == {"traceparent"}, "stored with the job in Redis"
    finished = {s.name: s for s in spans.get_finished_spans()}
    webhook, run = finished["webhook"], finished["cleanup"]
    assert run.context.trace_id == webhook.context.trace_id
    assert run.parent.span_id == webhook.context.span_id and run.kind is SpanKind.CONSUMER
    assert run.attributes["b2a.job.kind"] == "cleanup"
    assert run.attributes["b2a.job.status"] == "complete"
    assert run.attributes["b2a.job.attempt"] == job.attempts
    assert run.status.status_code is StatusCode.UNSET


async def test_a_failed_job_ends_its_span_as_failed(pg, make_settings, redis):
    settings = make_settings(B2A_DB_URL=pg.url)
    with recording() as spans:
        async with running_worker(settings) as worker:
            # An event id that is no UUID: the task raises before touching anything.
            assert await job_queue.enqueue(
                "apply_update", key="traced-failure", retries=1, tenant_id="x", event_id="y"
            )
            job = await _finished(worker, "traced-failure")
            for _ in range(100):
                if any(s.name == "apply_update" for s in spans.get_finished_spans()):
                    break
                await asyncio.sleep(0.05)
    assert job.status == Status.FAILED
    (run,) = [s for s in spans.get_finished_spans() if s.name == "apply_update"]
    assert run.parent is None, "queued outside any span: a trace of its own"
    assert run.status.status_code is StatusCode.ERROR
    assert run.attributes["b2a.job.status"] == "failed"

"""Everything the worker runs, listed in one place."""

from __future__ import annotations

from typing import Any

from saq import CronJob, Queue, Worker
from saq.types import PartialTimersDict

from b2a.ops.queue import create_queue
from b2a.settings import Settings
from b2a.worker import hooks
from b2a.worker.tasks import accounts, assistant, billing, email, inbox, maintenance, outbox

FUNCTIONS: list[Any] = [
    maintenance.cleanup,
    inbox.process_inbound,
    inbox.apply_status,
    inbox.apply_update,
    inbox.requeue_stranded,
    outbox.send_message,
    outbox.dispatch_scheduled,
    outbox.requeue_stranded_sends,
    assistant.assistant_reply,
    email.send_email,
    accounts.answer_sign_up,
    accounts.answer_reset_request,
    billing.process_stripe_event,
    billing.requeue_stripe_events,
    billing.billing_periods,
]
CRON_JOBS: list[CronJob[Any]] = [
    CronJob(maintenance.cleanup, cron="0 3 * * *", timeout=3600),
    CronJob(inbox.requeue_stranded, cron="* * * * *", timeout=60),
    CronJob(outbox.dispatch_scheduled, cron="* * * * *", timeout=60),
    CronJob(outbox.requeue_stranded_sends, cron="* * * * *", timeout=60),
    CronJob(billing.requeue_stripe_events, cron="* * * * *", timeout=60),
    # Hourly, so a manually paid period ends within the hour it runs out.
    CronJob(billing.billing_periods, cron="17 * * * *", timeout=600),
]
GRACE_SECONDS = 30
# Upkeep loops and idle dequeues notice a stop request only between sleeps; short
# ones let an idle worker stop in seconds instead of waiting out the grace period.
TIMERS: PartialTimersDict = {"schedule": 1, "abort": 1, "sweep": 5, "worker_info": 5}
DEQUEUE_TIMEOUT = 1


def create_worker(settings: Settings, queue: Queue | None = None) -> Worker[Any]:
    """A worker with every task, cron job and hook registered."""
    return Worker(
        queue or create_queue(settings.redis),
        functions=FUNCTIONS,
        cron_jobs=CRON_JOBS,
        concurrency=settings.worker.concurrency,
        startup=hooks.make_startup(settings),
        shutdown=hooks.shutdown,
        before_process=hooks.before_process,
        after_process=hooks.after_process,
        shutdown_grace_period_s=GRACE_SECONDS,
        timers=TIMERS,
        dequeue_timeout=DEQUEUE_TIMEOUT,
    )

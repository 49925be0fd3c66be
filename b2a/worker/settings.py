"""Everything the worker runs, listed in one place."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
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
log = logging.getLogger("b2a.worker")

GRACE_SECONDS = 30
"""Jobs in hand at SIGTERM get this long to finish; then they are cancelled and re-queued.
Well inside the unit's TimeoutStopSec (45 s), with the shutdown hooks' own limits."""
# Upkeep loops and idle dequeues notice a stop request only between sleeps; short
# ones let an idle worker stop in seconds instead of waiting out the grace period.
TIMERS: PartialTimersDict = {"schedule": 1, "abort": 1, "sweep": 5, "worker_info": 5}
DEQUEUE_TIMEOUT = 1


class B2AWorker(Worker[Any]):
    """SAQ's worker without its own signal handlers: ``handle_stop_signals`` installs ours."""

    SIGNALS: list[signal.Signals] = []
    stop_requested = False

    async def start(self) -> None:
        """Work until stopped; a stop asked for before it started is not forgotten."""
        if not self.stop_requested:  # start() replaces the stop event it would have set
            await super().start()


def handle_stop_signals(worker: Worker[Any]) -> None:
    """SIGTERM or SIGINT asks the worker to stop; a second one ends the process at once.

    The first lets the jobs in hand finish (``GRACE_SECONDS``, then they are
    cancelled and re-queued). SAQ's own handlers only ever set the stop event,
    so once a stop was under way nothing an operator sent could end a worker
    whose shutdown was stuck (docs/reliability.md, "Faults"); a second signal
    now leaves like SIGKILL does, and the sweep retries what it held.
    """
    loop = asyncio.get_running_loop()
    asked: list[int] = []

    def stop(signum: int) -> None:
        if asked:
            log.warning("second stop signal: leaving now; the jobs in hand will be retried")
            logging.shutdown()
            os._exit(128 + signum)
        asked.append(signum)
        if isinstance(worker, B2AWorker):
            worker.stop_requested = True
        log.info("stop requested: finishing %d jobs in hand", len(worker.job_task_contexts))
        worker.event.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop, signum)


def create_worker(settings: Settings, queue: Queue | None = None) -> Worker[Any]:
    """A worker with every task, cron job and hook registered."""
    return B2AWorker(
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

"""Every Prometheus metric b2a keeps, declared once, and the one-line calls that move them.

The library shares metrics between processes through files, one set per
process, in a directory named by ``PROMETHEUS_MULTIPROC_DIR`` (its
"multiprocess mode"). The mode is chosen when ``prometheus_client`` is first
imported, so nothing here imports it at module level: ``b2a serve``, ``b2a
worker`` and ``b2a whatsapp`` call ``configure`` with the host's directory
first, and the metrics are built on first use. A process that never calls
``configure`` (a test, a one-off CLI command) keeps its metrics in memory.

Label values are always from small fixed sets (job names, route templates,
outcomes, error codes): never a tenant, a phone number or any other id.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from b2a.lib import metrics_files

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram

ENV = "PROMETHEUS_MULTIPROC_DIR"
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,31}|\d{1,6}")
_ID_LIKE = re.compile(r"\d{7}|[0-9a-fA-F]{8}")
"""Seven digits (a phone number's) or eight hex digits (a UUID's): never a label.

Label words are lower_snake or UPPER_SNAKE; a long one of mixed case is a
WhatsApp id's base64 and is not one either."""

FAST = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
SLOW = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
JOBS = (*FAST, 30.0, 60.0, 120.0)
"""Jobs take milliseconds when well and minutes when not: with SLOW's first bucket at 50 ms,
a p95 of jobs that took 10 ms read 47.5 ms on Prometheus's graph (docs/img/prometheus.png)."""


def configure(directory: Path) -> None:
    """Share this process's metrics through ``directory`` (call before any metric is used).

    Raises:
        RuntimeError: the library was imported already and chose in-memory metrics.
    """
    if "prometheus_client.values" in sys.modules and os.environ.get(ENV) != str(directory):
        raise RuntimeError("prometheus_client was imported before b2a.lib.metrics.configure")
    os.environ[ENV] = str(directory)  # before prepare, whose folding imports the library
    metrics_files.prepare(directory)


def shared_directory() -> Path | None:
    """The directory this process shares its metrics through, if any."""
    value = os.environ.get(ENV)
    return Path(value) if value else None


def label(value: object) -> str:
    """A label value from a small set: the word itself, else ``other`` (never an id's text)."""
    text = str(value or "none")
    base64ish = len(text) > 12 and text.lower() != text and text.upper() != text
    return "other" if base64ish or _ID_LIKE.search(text) or not _WORD.fullmatch(text) else text


@dataclass(frozen=True)
class Metrics:
    """The process's metric objects (see ``docs/operations.md`` "Metrics" for each one)."""

    webhooks_received: Counter
    webhooks_refused: Counter
    events_persisted: Counter
    events_redelivered: Counter
    job_duration: Histogram
    job_wait: Histogram
    sends: Counter
    dead_letters: Counter
    assistant_turns: Counter
    provider_seconds: Histogram
    breaker_opened: Counter
    http_seconds: Histogram


@functools.cache
def get() -> Metrics:
    """The metrics, built on first use (after ``configure``, if the process shares them)."""
    from prometheus_client import Counter, Histogram, disable_created_metrics

    disable_created_metrics()  # a ``_created`` series per label set says nothing Prometheus needs
    return Metrics(
        webhooks_received=Counter(
            "b2a_webhooks_received", "Webhook deliveries whose signature checked.", ["source"]
        ),
        webhooks_refused=Counter(
            "b2a_webhooks_refused", "Webhook deliveries refused, by reason.", ["source", "reason"]
        ),
        events_persisted=Counter(
            "b2a_events_persisted",
            "Inbound events (messages, statuses, updates) stored before acknowledging.",
            ["transport", "kind"],
        ),
        events_redelivered=Counter(
            "b2a_events_redelivered",
            "Inbound events that were already stored (redeliveries), not stored again.",
            ["transport", "kind"],
        ),
        job_duration=Histogram(
            "b2a_job_duration_seconds",
            "Job run time by task (the job's function) and final status.",
            ["task", "status"],
            buckets=JOBS,
        ),
        job_wait=Histogram(
            "b2a_job_wait_seconds",
            "Time a job waited in the queue before starting, by task.",
            ["task"],
            buckets=JOBS,
        ),
        sends=Counter(
            "b2a_sends",
            "Outbound send attempts by transport and result (ok, or the WhatsApp error code).",
            ["transport", "code"],
        ),
        dead_letters=Counter(
            "b2a_dead_letters", "Messages moved to the dead letters, by error code.", ["code"]
        ),
        assistant_turns=Counter(
            "b2a_assistant_turns",
            "Assistant turns by outcome (sent, fallback, handoff, blocked, refused) and intent.",
            ["outcome", "intent"],
        ),
        provider_seconds=Histogram(
            "b2a_ai_provider_seconds",
            "Time the AI provider took to draft a reply, by provider and whether it fell back.",
            ["provider", "outcome"],
            buckets=SLOW,
        ),
        breaker_opened=Counter(
            "b2a_ai_breaker_opened", "Times a provider's circuit breaker opened.", ["provider"]
        ),
        http_seconds=Histogram(
            "b2a_http_request_seconds",
            "HTTP request latency by route template, method and status class.",
            ["route", "method", "status"],
            buckets=FAST,
        ),
    )


def webhook_refused(source: str, reason: str) -> None:
    """Count a refused webhook delivery."""
    get().webhooks_refused.labels(source, reason).inc()


def event_stored(transport: str, key: str, stored: bool) -> None:
    """Count an inbound event by its dedupe key's kind (``msg:…``, ``status:…``, ``update:…``)."""
    counter = get().events_persisted if stored else get().events_redelivered
    counter.labels(label(transport), label(key.partition(":")[0])).inc()


def job_done(task: str, status: str, seconds: float, waited: float | None) -> None:
    """Record one finished job attempt: its duration, status and queue wait.

    The label is ``task``, not ``job``: Prometheus gives every scraped series a
    ``job`` label of its own (the scrape job's name) and would rename ours.
    """
    get().job_duration.labels(label(task), label(status)).observe(seconds)
    if waited is not None:
        get().job_wait.labels(label(task)).observe(max(waited, 0.0))


def send_done(transport: str, code: str) -> None:
    """Count one send attempt: ``ok`` or the transport's error code."""
    get().sends.labels(label(transport), label(code)).inc()


def dead_letter(code: str) -> None:
    """Count a message moved to the dead letters."""
    get().dead_letters.labels(label(code)).inc()


def assistant_turn(outcome: str, intent: object) -> None:
    """Count one assistant turn by its outcome and the intent it read."""
    get().assistant_turns.labels(label(outcome), label(intent)).inc()


def provider_replied(provider: str, seconds: float, fell_back: bool) -> None:
    """Record how long a provider took to draft a reply."""
    outcome = "fallback" if fell_back else "answered"
    get().provider_seconds.labels(label(provider or "offline"), outcome).observe(seconds)


def breaker_opened(provider: str) -> None:
    """Count a provider's breaker opening."""
    get().breaker_opened.labels(label(provider)).inc()


def gauge(
    name: str, documentation: str, value: float | None = None, labels: list[str] | None = None
) -> Any:
    """A gauge read at scrape time (a metric family, not kept by any process)."""
    from prometheus_client.core import GaugeMetricFamily

    return GaugeMetricFamily(name, documentation, value=value, labels=labels)


def exposition(extra: list[Any]) -> tuple[bytes, str]:
    """The text Prometheus scrapes: every process's metrics on this host, then ``extra``.

    With a shared directory the library sums the files of every process (the
    folded ones of ended processes included) under the directory's lock;
    without one, this process's own metrics and the interpreter's.
    """
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    get()  # declared, so a fresh process still lists every metric
    directory = shared_directory()
    live = CollectorRegistry(auto_describe=False)
    live.register(_Fixed(extra))
    if directory is None:
        return generate_latest(REGISTRY) + generate_latest(live), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    with metrics_files.locked(directory, shared=True):
        text = generate_latest(registry)
    return text + generate_latest(live), CONTENT_TYPE_LATEST


class _Fixed:
    """A collector that yields metric families read beforehand (the scrape-time ones)."""

    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> Any:
        """The families given, as read."""
        return iter(self.families)

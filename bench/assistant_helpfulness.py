"""Helpfulness: does the offline assistant answer what a good shop assistant would?

``data/assistant_helpfulness.json`` holds customer conversations for the three
demo businesses, in English and Roman Urdu as customers in Pakistan write them:
single questions (FAQ paraphrases, what a service includes, how long it takes,
"do you do X?", totals, which is cheaper, a day's hours, greetings, thanks, what
must go to a person) and multi-turn bookings (a salon appointment for a time, a
print order for delivery, a tutor's enrolment). Each customer message carries
what a good reply must contain (``must``: every entry, a string or a list of
alternatives, case-insensitive), what it must not (``must_not``) and whether a
human should take over (``escalate``); a conversation may also say what its
order request must end as (``order``: items by name, requested local time,
status). Labels say what a good shop assistant would answer, not what the code
does.

Every conversation runs as the product's turn does (``assistant.turn``), with
pure parts only: the request carries the history, the customer's known details,
the order in progress, the fixed moment ``NOW`` in the business's zone, its
opening hours and what its orders need; the provider drafts, ``grounding.review``
decides; a sent reply keeps the details it gave and, like
``orders.service.take_order``, opens or completes the order request and ends with
``orders.rules.request_line``. A hand-off ends the conversation (humans own it).

A conversation is helpful when each reply sent holds its ``must`` and none of its
``must_not``, each message is handed over exactly when labelled, and the order
request ends as labelled. Measured: helpfulness (share of helpful
conversations), escalation precision and recall (a conversation escalates when
any of its messages is handed over), and grounding violations (sent replies the
guardrails find fault with). Targets: helpfulness ≥ 0.95, precision ≥ 0.95,
recall 1.0, no violation.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.table import Table

from b2a.assistant.catalog_provider import CatalogAssistant
from b2a.assistant.grounding import review
from b2a.assistant.guardrails import check
from b2a.assistant.shapes import (
    AssistantRequest,
    Intent,
    OrderInProgress,
    OrderLine,
    Provider,
    ProviderReply,
    Turn,
)
from b2a.catalog.money import format_price
from b2a.orders.rules import (
    OrdersNeed,
    OrderStatus,
    missing_fields,
    request_line,
    request_summary,
)
from b2a.orders.service._requests import clean_details
from b2a.tenants.hours import humans_back, is_open, spoken
from bench.assistant_businesses import DATA, Business

CASES = DATA / "assistant_helpfulness.json"
HELPFUL_TARGET = 0.95
PRECISION_TARGET = 0.95
RECALL_TARGET = 1.0
VIOLATIONS_TARGET = 0
THRESHOLD = 0.85
NOW = datetime(2026, 12, 7, 11, 0, tzinfo=ZoneInfo("Asia/Karachi"))
"""Monday 11:00 in Lahore and Karachi: "kal" is Tuesday 8 December 2026."""
PHONE = "+923001234567"
"""The customer's WhatsApp number, known to every conversation from its first message."""
HISTORY_MESSAGES = 10
"""As ``assistant.context.HISTORY_MESSAGES``."""


@dataclass(frozen=True)
class Step:
    """One customer message and what the reply to it needs."""

    text: str
    must: tuple[tuple[str, ...], ...] = ()
    """Each entry: alternatives, one of which the reply must contain."""
    must_not: tuple[str, ...] = ()
    escalate: bool = False


@dataclass(frozen=True)
class ExpectedOrder:
    """How the conversation's order request must end."""

    items: dict[str, int]
    requested_at: str | None
    """Local time in the business's zone, ``YYYY-MM-DD HH:MM``; None: no time asked."""
    status: str


@dataclass(frozen=True)
class HelpCase:
    """A labelled conversation: one message, or a booking over several."""

    business: str
    topic: str
    steps: tuple[Step, ...]
    known: dict[str, str] = field(default_factory=dict)
    order: ExpectedOrder | None = None

    @property
    def escalate(self) -> bool:
        return any(step.escalate for step in self.steps)

    @property
    def title(self) -> str:
        return " / ".join(step.text for step in self.steps)


@dataclass(frozen=True)
class Exchange:
    """One message and what came back."""

    step: Step
    intent: Intent
    escalated: bool
    text: str
    confidence: float
    violations: tuple[str, ...]


@dataclass
class Draft:
    """The conversation's order request, as the product stores it."""

    number: int
    status: OrderStatus
    currency: str
    lines: dict[UUID, OrderLine] = field(default_factory=dict)
    details: dict[str, str] = field(default_factory=dict)
    requested_at: datetime | None = None

    @property
    def total_minor(self) -> int:
        return sum(line.quantity * line.unit_price_minor for line in self.lines.values())


@dataclass(frozen=True)
class Dialogue:
    """What the assistant did with one case, and why it was not helpful (if so)."""

    case: HelpCase
    exchanges: tuple[Exchange, ...]
    order: Draft | None
    problems: tuple[str, ...]

    @property
    def helpful(self) -> bool:
        return not self.problems

    @property
    def escalated(self) -> bool:
        return any(exchange.escalated for exchange in self.exchanges)


@dataclass
class HelpReport:
    """The figures over the helpfulness set."""

    dialogues: list[Dialogue] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.dialogues)

    @property
    def helpfulness(self) -> float:
        return sum(d.helpful for d in self.dialogues) / self.total if self.total else 0.0

    @property
    def escalation_precision(self) -> float:
        escalated = [d for d in self.dialogues if d.escalated]
        return sum(d.case.escalate for d in escalated) / len(escalated) if escalated else 1.0

    @property
    def escalation_recall(self) -> float:
        wanted = [d for d in self.dialogues if d.case.escalate]
        return sum(d.escalated for d in wanted) / len(wanted) if wanted else 1.0

    @property
    def grounding_violations(self) -> list[Exchange]:
        return [e for d in self.dialogues for e in d.exchanges if e.violations]

    def unhelpful(self) -> list[Dialogue]:
        return [d for d in self.dialogues if not d.helpful]

    def shortfalls(self) -> list[str]:
        """The targets missed, in words; empty when all are met."""
        missed = []
        if self.helpfulness < HELPFUL_TARGET:
            missed.append(f"helpfulness {self.helpfulness:.3f} < {HELPFUL_TARGET}")
        if self.escalation_precision < PRECISION_TARGET:
            missed.append(
                f"escalation precision {self.escalation_precision:.3f} < {PRECISION_TARGET}"
            )
        if self.escalation_recall < RECALL_TARGET:
            missed.append(f"escalation recall {self.escalation_recall:.3f} < {RECALL_TARGET}")
        if len(self.grounding_violations) > VIOLATIONS_TARGET:
            missed.append(f"{len(self.grounding_violations)} grounding violations (helpfulness)")
        return missed


def load_help_cases(path: Path = CASES) -> list[HelpCase]:
    """The labelled conversations; a single message is a conversation of one step."""
    return [_case(row) for row in json.loads(path.read_text())]


def _case(row: dict) -> HelpCase:
    steps = row.get("turns") or [row]
    order = row.get("order")
    return HelpCase(
        business=row["business"],
        topic=row["topic"],
        steps=tuple(_step(s) for s in steps),
        known=dict(row.get("known", {})),
        order=ExpectedOrder(order["items"], order["requested_at"], order["status"])
        if order
        else None,
    )


def _step(row: dict) -> Step:
    return Step(
        text=row["text"],
        must=tuple((m,) if isinstance(m, str) else tuple(m) for m in row.get("must", ())),
        must_not=tuple(row.get("must_not", ())),
        escalate=bool(row.get("escalate", False)),
    )


async def evaluate_helpfulness(
    cases: Sequence[HelpCase],
    businesses: dict[str, Business],
    *,
    threshold: float = THRESHOLD,
    provider: Provider | None = None,
) -> HelpReport:
    """Hold every conversation as the product's turns would and judge each one."""
    assistant = provider or CatalogAssistant()
    report = HelpReport()
    for case in cases:
        conversation = Conversation(businesses[case.business], case.known, threshold)
        report.dialogues.append(await conversation.hold(assistant, case))
    return report


class Conversation:
    """One customer's chat with one business: its history, details and order request."""

    def __init__(self, business: Business, known: dict[str, str], threshold: float) -> None:
        self.business = business
        self.threshold = threshold
        self.known = {"phone": PHONE, **known}
        self.history: list[Turn] = []
        self.orders: list[Draft] = []
        # As ``orders.service.required_fields``: the ticked details, then what orders are for.
        need = business.orders_need
        ticked = tuple(f for f in business.required_fields if f not in ("address", "time"))
        self.required = ticked + (("address",) if need is OrdersNeed.ADDRESS else ())
        """The details an order request needs (its time is ``requested_at``, no detail)."""
        self.asked = self.required + (("time",) if need is OrdersNeed.TIME else ())
        """What the assistant is told an order needs (``AssistantRequest.required_fields``)."""

    async def hold(self, provider: Provider, case: HelpCase) -> Dialogue:
        """Send the case's messages one by one until a reply hands the chat to humans."""
        exchanges: list[Exchange] = []
        for minute, step in enumerate(case.steps):
            exchange = await self.exchange(provider, step, NOW + timedelta(minutes=minute))
            exchanges.append(exchange)
            if exchange.escalated:
                break
        problems = [p for e in exchanges for p in _judge(e)]
        if len(exchanges) < len(case.steps):
            problems.append(f"turn {len(exchanges) + 1} never answered: humans took over")
        if case.order is not None:
            problems.extend(self._judge_order(case.order))
        order = self.orders[-1] if self.orders else None
        return Dialogue(case, tuple(exchanges), order, tuple(problems))

    async def exchange(self, provider: Provider, step: Step, now: datetime) -> Exchange:
        """One turn: the provider drafts, grounding reviews, a sent reply takes its order."""
        reply = await provider.reply(self._request(step.text, now))
        business = self.business
        verdict = review(
            reply, business.catalog, threshold=self.threshold, prohibited=business.prohibited
        )
        escalated = not verdict.send or reply.intent is Intent.HUMAN
        text, violations = verdict.text, tuple[str, ...]()
        if not escalated:
            violations = tuple(
                str(v)
                for v in check(verdict.text, business.catalog, business.prohibited, verdict.items)
            )
            self._remember(reply.fields)
            line = self._take_order(reply, {i.service_id: i.quantity for i in verdict.items})
            text = f"{text.rstrip()}\n{line}" if line else text
            self.history += [Turn(True, step.text), Turn(False, text)]
        return Exchange(step, reply.intent, escalated, text, verdict.confidence, violations)

    def _request(self, message: str, now: datetime) -> AssistantRequest:
        business = self.business
        return AssistantRequest(
            business.catalog,
            message,
            history=tuple(self.history[-HISTORY_MESSAGES:]),
            known_fields=dict(self.known),
            required_fields=self.asked,
            hours=business.hours,
            humans_back=humans_back(business.opening, business.time_zone, now),
            now=now,
            time_zone=business.time_zone,
            opening=business.opening,
            orders_need=business.orders_need,
            order=self._in_progress(),
        )

    def _remember(self, fields: dict[str, str]) -> None:
        """As ``context.remember_fields``: new details kept, staff's never overwritten."""
        for name, value in fields.items():
            if name in ("name", "phone", "email", "address") and value.strip():
                self.known.setdefault(name, value.strip())

    def _take_order(self, reply: ProviderReply, wanted: dict[UUID, int]) -> str | None:
        """As ``orders.service.take_order``: open or complete the request; the line it adds.

        An ORDER naming services adds them to the open DRAFT or opens one; DETAILS
        complete the DRAFT. A requested time is kept when the business is open then.
        The line lists every item of the request, then where it stands.
        """
        ordering = reply.intent is Intent.ORDER and bool(wanted)
        if not ordering and reply.intent is not Intent.DETAILS:
            return None
        draft = next((o for o in reversed(self.orders) if o.status is OrderStatus.DRAFT), None)
        if draft is None and not wanted:
            return None
        if draft is None:
            draft = Draft(len(self.orders) + 1, OrderStatus.DRAFT, self._currency(wanted))
            self.orders.append(draft)
        for service_id, quantity in wanted.items():
            item = self.business.catalog.service(service_id)
            if item is not None:
                draft.lines[service_id] = OrderLine(
                    service_id, item.name, quantity, item.price_minor
                )
        draft.details = {
            **self.known,
            **draft.details,
            **clean_details(reply.fields, strict=False),
        }
        draft.requested_at = self._kept_time(reply.requested_at) or draft.requested_at
        missing = self._missing(draft)
        draft.status = OrderStatus.DRAFT if missing else OrderStatus.PENDING_APPROVAL
        total = format_price(draft.total_minor, draft.currency)
        listed = [
            (line.name, line.quantity, format_price(line.unit_price_minor, draft.currency))
            for line in draft.lines.values()
        ]
        at = draft.requested_at
        when = spoken(at, self.business.time_zone) if at else ""
        sentence = request_line(draft.status, draft.number, total, missing, when)
        return request_summary(listed, sentence)

    def _kept_time(self, at: datetime | None) -> datetime | None:
        """A requested time inside the opening hours, in UTC; None for one outside them."""
        business = self.business
        if at is None or not is_open(business.opening, business.time_zone, at):
            return None
        return at.astimezone(UTC)

    def _currency(self, wanted: dict[UUID, int]) -> str:
        items = [self.business.catalog.service(s) for s in wanted]
        return next((i.currency for i in items if i is not None), "")

    def _missing(self, draft: Draft) -> list[str]:
        """What the request still needs: the required details, then an address or a time."""
        missing = missing_fields(self.required, draft.details)
        if self.business.orders_need is OrdersNeed.TIME and draft.requested_at is None:
            missing.append(OrdersNeed.TIME.value)
        return missing

    def _in_progress(self) -> OrderInProgress | None:
        """As ``orders.service.order_in_progress``: the newest request not yet decided."""
        waiting = (OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL)
        draft = next((o for o in reversed(self.orders) if o.status in waiting), None)
        if draft is None:
            return None
        return OrderInProgress(
            number=draft.number,
            status=draft.status.value,
            lines=tuple(draft.lines.values()),
            total_minor=draft.total_minor,
            currency=draft.currency,
            requested_at=draft.requested_at,
            missing=tuple(self._missing(draft)) if draft.status is OrderStatus.DRAFT else (),
        )

    def _judge_order(self, expected: ExpectedOrder) -> list[str]:
        if not self.orders:
            return ["no order request was made"]
        draft = self.orders[-1]
        problems = []
        items = {line.name: line.quantity for line in draft.lines.values()}
        if items != expected.items:
            problems.append(f"order holds {items}, wanted {expected.items}")
        if draft.status.value != expected.status:
            problems.append(f"order is {draft.status.value}, wanted {expected.status}")
        local = (
            f"{draft.requested_at.astimezone(ZoneInfo(self.business.time_zone)):%Y-%m-%d %H:%M}"
            if draft.requested_at
            else None
        )
        if local != expected.requested_at:
            problems.append(f"order is for {local}, wanted {expected.requested_at}")
        return problems


def _judge(exchange: Exchange) -> list[str]:
    """Why one reply was not what the label asks for; empty when it was."""
    step = exchange.step
    if exchange.escalated != step.escalate:
        wanted = "handed to a person" if step.escalate else "answered"
        return [f"{step.text!r}: {wanted} was needed"]
    if exchange.escalated:
        return []
    said = exchange.text
    problems = [
        f"{step.text!r}: lacks {' / '.join(words)}"
        for words in step.must
        if not any(says(said, w) for w in words)
    ]
    problems += [f"{step.text!r}: says {w!r}" for w in step.must_not if says(said, w)]
    return problems


def says(text: str, words: str) -> bool:
    """Whether ``text`` holds ``words`` from a word's start, ignoring case.

    An amount must end where the reply's does: "PKR 50" is not in "PKR 500",
    "2,700" not in "12,700"; words may go on ("walk-in" is in "walk-ins").
    """
    pattern = rf"(?<!\w){re.escape(words.casefold())}(?!\d|[.,]\d)"
    return re.search(pattern, text.casefold()) is not None


def render_helpfulness(report: HelpReport, console: Console, *, misses: bool = False) -> None:
    """The figures, helpfulness by topic and, with ``misses``, every unhelpful case."""
    orders = sum(d.case.order is not None for d in report.dialogues)
    figures = Table(title=f"Helpfulness, {report.total} labelled cases")
    for column in ("measure", "value", "target"):
        figures.add_column(column, justify="left" if column == "measure" else "right")
    figures.add_row("helpfulness", f"{report.helpfulness:.3f}", f"≥ {HELPFUL_TARGET}")
    figures.add_row(
        "escalation precision", f"{report.escalation_precision:.3f}", f"≥ {PRECISION_TARGET}"
    )
    figures.add_row("escalation recall", f"{report.escalation_recall:.3f}", f"{RECALL_TARGET}")
    figures.add_row("grounding violations", str(len(report.grounding_violations)), "0")
    figures.add_row("cases ending in an order request", str(orders), "")
    console.print(figures)
    console.print(_by_topic(report))
    for exchange in report.grounding_violations:
        console.print(f"[red]violation[/red] {exchange.step.text!r}: {exchange.violations}")
    if misses:
        _print_unhelpful(report, console)


def _by_topic(report: HelpReport) -> Table:
    table = Table(title="Helpful by topic")
    for column in ("business", "topic", "cases", "helpful"):
        table.add_column(column, justify="right" if column in ("cases", "helpful") else "left")
    totals: Counter[tuple[str, str]] = Counter()
    helpful: Counter[tuple[str, str]] = Counter()
    for d in report.dialogues:
        key = (d.case.business, d.case.topic)
        totals[key] += 1
        helpful[key] += d.helpful
    for (business, topic), count in totals.items():
        table.add_row(business, topic, str(count), str(helpful[(business, topic)]))
    return table


def _print_unhelpful(report: HelpReport, console: Console) -> None:
    console.print(f"[bold]Unhelpful cases ({len(report.unhelpful())})[/bold]")
    for d in report.unhelpful():
        console.print(f"\n[bold]{d.case.business} · {d.case.topic}[/bold]: {d.case.title}")
        for e in d.exchanges:
            got = "handed over" if e.escalated else "sent"
            console.print(f"  customer: {e.step.text}", markup=False, highlight=False)
            console.print(
                f"  {got} ({e.intent.value}, {e.confidence:.2f}): {e.text!r}",
                markup=False,
                highlight=False,
            )
        for problem in d.problems:
            console.print(f"  [red]✗[/red] {problem}", highlight=False)

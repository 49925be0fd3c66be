"""Evaluation: the offline catalog assistant on labelled customer messages.

Run from the project root (tests/unit/assistant/test_evaluation.py runs the same
``evaluate`` and asserts the targets):

    .venv/bin/python -m bench.assistant_eval            # the figures
    .venv/bin/python -m bench.assistant_eval --misses   # and every message it got wrong
    .venv/bin/python -m bench.assistant_eval --check    # exit 1 below the targets

Data: ``bench/data/assistant_businesses.json`` holds three demo businesses (a
salon in PKR, an online tutor in USD, a print shop in PKR) with services,
synonyms, FAQ, opening hours and prohibited phrases;
``bench/data/assistant_eval.json`` holds the messages, each with its business,
the expected intent, whether a human should take over, the services it names
and, for FAQ questions, the question it asks.

Labels say what a shop assistant would call right, not what the rules produce:

- intent: the customer's aim. Bargaining and discount requests, instructions
  aimed at the bot, complaints and refunds, off-topic chat and gibberish are
  ``unknown`` (the taxonomy has no place for them and the assistant must not
  answer them); asking whether a service exists is a ``question`` even when
  the business lacks it; wanting a service ("mujhe chahiye", "book") is an
  ``order`` even without a verb of ordering.
- escalate: a human should take over: ``human`` requests, everything
  ``unknown``, and questions or orders about what the catalogue lacks. A
  question the catalogue or FAQ answers, an order for catalogue services,
  greetings, thanks, hours and details stay with the assistant.

Measured: intent accuracy (the reply's intent against the label); escalation
precision and recall, where a message escalates when grounding does not send
the reply (``grounding.review``) or its intent is ``human``; and grounding
violations, replies that were sent although the guardrails
(``guardrails.check``) find fault with their text. Targets: intent accuracy
≥ 0.90 and no grounding violation.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

from rich.console import Console
from rich.table import Table

from b2a.assistant.catalog_provider import CatalogAssistant
from b2a.assistant.grounding import review
from b2a.assistant.guardrails import check
from b2a.assistant.shapes import (
    AssistantRequest,
    CatalogItem,
    CatalogView,
    FaqItem,
    Intent,
    Provider,
)

DATA = Path(__file__).resolve().parent / "data"
BUSINESSES = DATA / "assistant_businesses.json"
CASES = DATA / "assistant_eval.json"
THRESHOLD = 0.85
"""The tenant default (``AssistantConfig.threshold``)."""
INTENT_TARGET = 0.90
VIOLATIONS_TARGET = 0


@dataclass(frozen=True)
class Business:
    """A demo tenant: what the assistant may sell and the settings grounding reads."""

    catalog: CatalogView
    hours: str
    humans_back: str
    prohibited: tuple[str, ...]


@dataclass(frozen=True)
class Case:
    """One labelled customer message."""

    business: str
    text: str
    intent: Intent
    escalate: bool
    services: tuple[str, ...] = ()
    faq: str = ""


@dataclass(frozen=True)
class Outcome:
    """What the assistant and grounding did with one case."""

    case: Case
    intent: Intent
    escalated: bool
    sent: bool
    confidence: float
    services: tuple[str, ...]
    violations: tuple[str, ...]
    text: str
    seconds: float


@dataclass
class Report:
    """The figures over a labelled set."""

    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    @property
    def intent_accuracy(self) -> float:
        right = sum(o.intent is o.case.intent for o in self.outcomes)
        return right / self.total if self.total else 0.0

    @property
    def escalation_precision(self) -> float:
        escalated = [o for o in self.outcomes if o.escalated]
        return sum(o.case.escalate for o in escalated) / len(escalated) if escalated else 1.0

    @property
    def escalation_recall(self) -> float:
        wanted = [o for o in self.outcomes if o.case.escalate]
        return sum(o.escalated for o in wanted) / len(wanted) if wanted else 1.0

    @property
    def grounding_violations(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.sent and o.violations]

    @property
    def service_recall(self) -> float:
        """Among answered messages naming services, the share whose reply names them all."""
        named = [o for o in self.outcomes if o.case.services and not o.case.escalate]
        found = sum(set(o.case.services) <= set(o.services) for o in named)
        return found / len(named) if named else 1.0

    @property
    def sent_share(self) -> float:
        return sum(o.sent for o in self.outcomes) / self.total if self.total else 0.0

    def misses(self) -> list[Outcome]:
        """Outcomes whose intent or escalation differs from the label."""
        return [
            o
            for o in self.outcomes
            if o.intent is not o.case.intent or o.escalated != o.case.escalate
        ]

    def shortfalls(self) -> list[str]:
        """The targets missed, in words; empty when all are met."""
        missed = []
        if self.intent_accuracy < INTENT_TARGET:
            missed.append(f"intent accuracy {self.intent_accuracy:.3f} < {INTENT_TARGET}")
        if len(self.grounding_violations) > VIOLATIONS_TARGET:
            missed.append(f"{len(self.grounding_violations)} grounding violations")
        return missed


def load_businesses(path: Path = BUSINESSES) -> dict[str, Business]:
    """The demo businesses, with ids derived from their names so runs compare."""
    raw = json.loads(path.read_text())
    return {key: _business(key, spec) for key, spec in raw.items()}


def _business(key: str, spec: dict) -> Business:
    services = tuple(
        CatalogItem(
            uuid5(NAMESPACE_URL, f"{key}/service/{s['name']}"),
            s["name"],
            s["price_minor"],
            s["currency"],
            s.get("description", ""),
            tuple(s.get("synonyms", ())),
            s.get("duration_minutes"),
        )
        for s in spec["services"]
    )
    faq = tuple(
        FaqItem(uuid5(NAMESPACE_URL, f"{key}/faq/{f['question']}"), f["question"], f["answer"])
        for f in spec["faq"]
    )
    return Business(
        CatalogView(spec["name"], services, faq),
        spec.get("hours", ""),
        spec.get("humans_back", ""),
        tuple(spec.get("prohibited", ())),
    )


def load_cases(path: Path = CASES) -> list[Case]:
    """The labelled messages."""
    return [
        Case(
            business=row["business"],
            text=row["text"],
            intent=Intent(row["intent"]),
            escalate=bool(row["escalate"]),
            services=tuple(row.get("services", ())),
            faq=row.get("faq", ""),
        )
        for row in json.loads(path.read_text())
    ]


async def evaluate(
    cases: list[Case],
    businesses: dict[str, Business],
    *,
    threshold: float = THRESHOLD,
    provider: Provider | None = None,
) -> Report:
    """Answer every case as the pipeline would (provider, then grounding) and score it."""
    assistant = provider or CatalogAssistant()
    report = Report()
    for case in cases:
        report.outcomes.append(await _run(assistant, case, businesses[case.business], threshold))
    return report


async def _run(provider: Provider, case: Case, business: Business, threshold: float) -> Outcome:
    request = AssistantRequest(
        business.catalog, case.text, hours=business.hours, humans_back=business.humans_back
    )
    started = time.perf_counter()
    reply = await provider.reply(request)
    seconds = time.perf_counter() - started
    verdict = review(reply, business.catalog, threshold=threshold, prohibited=business.prohibited)
    violations = (
        check(verdict.text, business.catalog, business.prohibited, verdict.items)
        if verdict.send
        else []
    )
    names = tuple(
        item.name for ref in reply.items if (item := business.catalog.service(ref.service_id))
    )
    return Outcome(
        case=case,
        intent=reply.intent,
        escalated=not verdict.send or reply.intent is Intent.HUMAN,
        sent=verdict.send,
        confidence=verdict.confidence,
        services=names,
        violations=tuple(str(v) for v in violations),
        text=verdict.text,
        seconds=seconds,
    )


def render(report: Report, console: Console, *, misses: bool = False) -> None:
    """The figures as tables; with ``misses``, every message the assistant got wrong."""
    figures = Table(title=f"Offline catalog assistant, {report.total} labelled messages")
    figures.add_column("measure")
    figures.add_column("value", justify="right")
    figures.add_column("target", justify="right")
    figures.add_row("intent accuracy", f"{report.intent_accuracy:.3f}", f"≥ {INTENT_TARGET}")
    figures.add_row("escalation precision", f"{report.escalation_precision:.3f}", "")
    figures.add_row("escalation recall", f"{report.escalation_recall:.3f}", "")
    figures.add_row("grounding violations", str(len(report.grounding_violations)), "0")
    figures.add_row("services named (answered messages)", f"{report.service_recall:.3f}", "")
    figures.add_row("replies sent", f"{report.sent_share:.3f}", "")
    seconds = [o.seconds for o in report.outcomes]
    figures.add_row("reply time mean / max (ms)", _milliseconds(seconds), "")
    console.print(figures)
    console.print(_per_intent(report))
    for outcome in report.grounding_violations:
        console.print(f"[red]violation[/red] {outcome.case.text!r}: {outcome.violations}")
    if misses:
        console.print(_misses(report))


def _milliseconds(seconds: list[float]) -> str:
    if not seconds:
        return "-"
    return f"{statistics.mean(seconds) * 1000:.2f} / {max(seconds) * 1000:.2f}"


def _per_intent(report: Report) -> Table:
    table = Table(title="By expected intent")
    for column in ("intent", "messages", "intent right", "escalation right"):
        table.add_column(column, justify="right" if column != "intent" else "left")
    totals: Counter[Intent] = Counter(o.case.intent for o in report.outcomes)
    right: Counter[Intent] = Counter(
        o.case.intent for o in report.outcomes if o.intent is o.case.intent
    )
    routed: Counter[Intent] = Counter(
        o.case.intent for o in report.outcomes if o.escalated == o.case.escalate
    )
    for intent in Intent:
        if totals[intent]:
            table.add_row(
                intent.value, str(totals[intent]), str(right[intent]), str(routed[intent])
            )
    return table


def _misses(report: Report) -> Table:
    table = Table(title="Misses (intent or escalation differs from the label)")
    for column in ("business", "message", "expected", "got", "confidence", "reply"):
        table.add_column(column, overflow="fold")
    for o in report.misses():
        table.add_row(
            o.case.business,
            o.case.text,
            f"{o.case.intent.value}{' ↑' if o.case.escalate else ''}",
            f"{o.intent.value}{' ↑' if o.escalated else ''}",
            f"{o.confidence:.2f}",
            o.text[:80],
        )
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--misses", action="store_true", help="list every message gotten wrong")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="confidence to send")
    args = parser.parse_args(argv)
    report = asyncio.run(evaluate(load_cases(), load_businesses(), threshold=args.threshold))
    console = Console(width=160)
    render(report, console, misses=args.misses)
    shortfalls = report.shortfalls()
    for shortfall in shortfalls:
        console.print(f"[red]target missed:[/red] {shortfall}")
    return 1 if args.check and shortfalls else 0


if __name__ == "__main__":
    sys.exit(main())

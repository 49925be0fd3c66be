"""The reply step after a customer message is stored: greeting, away message, assistant.

It runs at most once per inbound message: the step claims the message with one
conditional UPDATE of ``replied_at``, so a redelivered webhook or a retried job
never greets or answers twice. Conversations owned by humans get nothing
automatic: the assistant and the automatic messages stay silent until handed back.

What the customer sent decides how far it goes (``hand_over_reason``): the
assistant takes a turn only for words it can read (text, a tapped button, a
caption). A location, a contact card, a form, an order, a poll, a file without
words or a message WhatsApp could not show needs a person: the conversation is
handed to humans quietly (no hand-off text to the customer), after the greeting
and away message rules. A sticker or a notice from WhatsApp gets nothing
automatic at all; reactions, edits and deletions never reach this step.

It runs for every customer message, so it reads what storing the message already
learnt (``StoredInbound``: the conversation's window, whether it is new) and, in
one statement, the conversation's owner, its channel's transport, the tenant's
automatic texts and whether the tenant's assistant is on (a tenant that switched
it off gets no assistant job at all; the turn still checks the switch itself).

One reply per turn: when the assistant will take a turn for the message, the
greeting and away message are not stored on their own but left on the customer's
message (``lead_greeting``, ``lead_away``) in the claiming transaction; the turn
says them first in its one reply, or ``assistant.lead.release`` sends them when no
turn answers after all (``b2a.assistant.lead``).

The worker runs the transactions of the steps its jobs reach together as one
(``reply_batch``): per tenant a few statements whatever the number of messages,
each message decided as if its step ran after the one before. ``reply_step`` is
that code for one message, and each job's fallback when its batch fails.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from functools import cache
from uuid import UUID

from b2a.assistant.hook import on_customer_message
from b2a.assistant.lead import release
from b2a.audit import service as audit
from b2a.db.sql import Row, Statement, case_by_id, each_row, listed, on_postgres, one_by_one
from b2a.db.transaction import atomic
from b2a.inbox.rules import Author, Direction, MessageKind, Owner
from b2a.inbox.service import StoredInbound
from b2a.inbox.tables import Message
from b2a.lib import clock
from b2a.outbox.queueing import resume_unsent, store_system_texts, window_closed
from b2a.tenants.actor import Actor
from b2a.tenants.hours import is_open, opening_days
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import ANNOTATIONS

log = logging.getLogger(__name__)

# One away message per conversation per this long, however often the customer writes.
AWAY_EVERY = timedelta(hours=12)

SILENT = frozenset((MessageKind.STICKER, MessageKind.SYSTEM, *ANNOTATIONS))
"""Kinds that get nothing automatic: no greeting, no away message, no turn, no hand-over."""
_READABLE = frozenset((MessageKind.TEXT, MessageKind.REPLY))
_CAPTIONED = frozenset((MessageKind.IMAGE, MessageKind.DOCUMENT, MessageKind.VIDEO))
_NEEDS_A_PERSON: dict[str, str] = {
    MessageKind.IMAGE: "the customer sent a photo",
    MessageKind.DOCUMENT: "the customer sent a document",
    MessageKind.AUDIO: "the customer sent a voice message",
    MessageKind.VIDEO: "the customer sent a video",
    MessageKind.LOCATION: "the customer sent a location",
    MessageKind.CONTACTS: "the customer sent a contact card",
    MessageKind.FORM: "the customer filled in a form",
    MessageKind.ORDER: "the customer sent an order from the catalogue",
    MessageKind.POLL: "the customer sent a poll",
    MessageKind.UNSUPPORTED: "the customer sent a message WhatsApp could not show",
}
_HAND_OVER = Statement(
    """UPDATE conversation SET owner = :owner, owner_reason = :reason
    WHERE id = :id AND (tenant = :tenant) IS TRUE"""
)


@cache
def _claims(count: int, postgres: bool) -> Statement:
    """The messages no step claimed yet, claimed; on PostgreSQL one UPDATE a row."""
    claim = "UPDATE message SET replied_at = :at WHERE {ids} AND (tenant = :tenant) IS TRUE"
    if postgres:
        return one_by_one(
            count, claim.replace("{ids}", "id = :id{n}") + " AND replied_at IS NULL RETURNING id"
        )
    ids = f"id IN ({listed('id', count)})"
    return Statement(claim.replace("{ids}", ids) + " AND replied_at IS NULL RETURNING id")


@cache
def _contexts(count: int) -> Statement:
    """Each conversation's owner, channel transport, the tenant's texts and assistant switch."""
    return Statement(
        each_row(
            count,
            """SELECT c.id, c.owner, ch.transport, t.greeting_message, t.away_message,
                t.time_zone, a.enabled AS assistant_enabled
            FROM conversation c
            JOIN tenant t ON t.id = c.tenant
            JOIN channel ch ON ch.id = c.channel
            LEFT JOIN assistant_config a ON a.tenant = c.tenant
            WHERE c.id = :id{n} AND (c.tenant = :tenant) IS TRUE""",
            " UNION ALL ",
        )
    )


@cache
def _said_before(count: int) -> Statement:
    """Which of the messages (``n``) had anything said before them: an earlier message, or ours."""
    return Statement(
        each_row(
            count,
            """SELECT {n} AS n WHERE EXISTS (SELECT 1 FROM message
                WHERE conversation = :conversation{n} AND (tenant = :tenant) IS TRUE
                AND id <> :id{n} AND (direction = :outbound OR created_at < :before{n}))""",
            " UNION ALL ",
        )
    )


@cache
def _told_away(count: int) -> Statement:
    """Which conversations (``n``) got the away message lately: on its own, or as a turn's lead."""
    return Statement(
        each_row(
            count,
            """SELECT {n} AS n WHERE EXISTS (SELECT 1 FROM message
                WHERE conversation = :conversation{n} AND (tenant = :tenant) IS TRUE
                AND created_at > :since
                AND ((direction = :outbound AND author = :system AND text = :text)
                    OR lead_away = :text))""",
            " UNION ALL ",
        )
    )


@cache
def _leads(count: int, postgres: bool) -> Statement:
    """Greeting and away message left on each message for its turn."""
    if postgres:
        return one_by_one(
            count,
            "UPDATE message SET lead_greeting = :greeting{n}, lead_away = :away{n}"
            " WHERE id = :id{n} AND (tenant = :tenant) IS TRUE RETURNING id",
        )
    return Statement(
        f"UPDATE message SET lead_greeting = {case_by_id('lead_greeting', count, 'greeting')},"
        f" lead_away = {case_by_id('lead_away', count, 'away')}"
        f" WHERE id IN ({listed('id', count)}) AND (tenant = :tenant) IS TRUE"
    )


@dataclass(frozen=True)
class StepDone:
    """What the reply step's transaction did for one message; the rest follows its commit."""

    claimed: bool
    """This step claimed the message (False: a retried job, whose step had committed)."""
    found: bool
    """The message's conversation was found."""
    turn: bool
    """The assistant takes a turn for the message."""
    queued: tuple[UUID, ...] = ()
    """The automatic replies stored, QUEUED, for the caller to send."""


@dataclass
class _Due:
    """A claimed message of a conversation the AI owns: the automatic replies it calls for."""

    stored: StoredInbound
    context: Row
    lead: bool
    """A turn will say them: left on the message, not stored."""
    greeting: str = ""
    away: str = ""


def takes_reply_step(stored: StoredInbound) -> bool:
    """Whether the message has a reply step at all: not one of ours, not a silent kind."""
    return not (stored.from_me or stored.kind in SILENT)


async def reply_step(scope: TenantScope, stored: StoredInbound) -> list[UUID]:
    """Store the automatic replies this message calls for; the ids of the queued messages.

    The caller sends them (the worker straight from the inbound job, without a
    send job each: ``b2a.worker.tasks.outbox.send_now``); only the first needs
    it, the others of the conversation follow when it leaves (``ordering``).
    The claim and the replies commit together, so a crash leaves either no trace
    (the retried job replies) or the replies stored. Their sends and the
    assistant's turn follow the commit; a job retried after a crash in between
    finds the message claimed and gives the replies a send job instead
    (``resume_unsent``: keyed, and each send claims its own row, so nothing goes
    twice); the stranded-send sweep is the last resort.

    The worker runs the transactions of the messages it processes at once as
    one (``reply_batch``), and this for a message whose batch failed.
    """
    if not takes_reply_step(stored):
        return []
    async with atomic():
        [done] = await _steps(scope, [stored])
    return await finish_reply_step(scope, stored, done)


async def reply_batch(
    items: Iterable[tuple[UUID, StoredInbound]],
) -> dict[tuple[UUID, StoredInbound], StepDone]:
    """The transactions of these (tenant, message) reply steps as one; what each did.

    Only for messages that take the step (``takes_reply_step``). The messages
    are taken in the order given, as if one step ran after the other: a
    conversation is greeted once, told the away message once, and gets nothing
    automatic after one of them handed it to humans. Each caller then finishes
    its own (``finish_reply_step``). Any error rolls the whole batch back: do
    each alone (``reply_step``), so a poison message fails only its own job.
    """
    by_tenant: dict[UUID, list[StoredInbound]] = {}
    for tenant_id, stored in items:
        by_tenant.setdefault(tenant_id, []).append(stored)
    results: dict[tuple[UUID, StoredInbound], StepDone] = {}
    async with atomic():
        for tenant_id, batch in by_tenant.items():
            done = await _steps(TenantScope(tenant_id), batch)
            results.update({(tenant_id, s): d for s, d in zip(batch, done, strict=True)})
    return results


async def finish_reply_step(
    scope: TenantScope, stored: StoredInbound, done: StepDone
) -> list[UUID]:
    """After the step's commit: the assistant's turn, or what a retried job's step left undone.

    A retried job finds its message claimed: the replies committed before may
    still lack a send job, and a lead left for a turn that will no longer come
    still waits. Returns the replies for the caller to send.
    """
    if not done.claimed:
        await resume_unsent(scope, stored.conversation_id)
        if not done.turn and done.found:
            await release(scope, await scope.get(Message, stored.message_id))
    if done.turn:
        await on_customer_message(scope, stored.conversation_id, stored.message_id)
    return list(done.queued)


async def _steps(scope: TenantScope, batch: list[StoredInbound]) -> list[StepDone]:
    """One tenant's steps in the caller's transaction: a few statements whatever their number.

    1. Claim every message (one UPDATE) and read every conversation (one SELECT).
    2. In the batch's order, decide each message's part: a message met twice is
       claimed by its first step; a conversation handed to humans by an earlier
       message of the batch gets nothing automatic after it.
    3. The greetings and away messages due (``_automatic_replies``).
    4. The hand-overs, one conversation at a time (rare: a photo, a location…).
    """
    claimed = await _claim(scope, [s.message_id for s in batch])
    contexts = await _read_contexts(scope, [s.conversation_id for s in batch])
    handed: dict[UUID, str] = {}
    done: list[tuple[bool, bool, bool]] = []
    due: list[_Due] = []
    for stored in batch:
        context = contexts.get(stored.conversation_id)
        reason = hand_over_reason(stored.kind, stored.text)
        ai_owns = (
            context is not None
            and context["owner"] != Owner.HUMAN
            and stored.conversation_id not in handed
        )
        turn = context is not None and ai_owns and not reason and _assistant_on(context)
        mine = stored.message_id in claimed
        claimed.discard(stored.message_id)
        if mine and context is not None and ai_owns:
            due.append(_Due(stored, context, lead=turn))
            if reason:
                handed[stored.conversation_id] = reason
        done.append((mine, context is not None, turn))
    queued = await _automatic_replies(scope, due)
    for conversation_id, reason in handed.items():
        await _hand_over(scope, conversation_id, reason)
    return [
        StepDone(mine, found, turn, tuple(queued.get(stored.message_id, ()) if mine else ()))
        for stored, (mine, found, turn) in zip(batch, done, strict=True)
    ]


def hand_over_reason(kind: str, text: str) -> str:
    """Why a person must answer a message of this kind; "" when the assistant can, or none must.

    Words are what the assistant reads: a text, a tapped button's title, a
    file's caption. A silent kind needs nobody (it is not a question).
    """
    if kind in _READABLE or kind in SILENT or (kind in _CAPTIONED and text.strip()):
        return ""
    return _NEEDS_A_PERSON.get(kind, f"the customer sent a {kind} message")


async def _hand_over(scope: TenantScope, conversation_id: UUID, reason: str) -> None:
    """Humans answer from now on, without a word to the customer; the inbox shows why."""
    await scope.execute(_HAND_OVER, id=conversation_id, owner=Owner.HUMAN, reason=reason)
    await audit.record(
        Actor(None, Role.STAFF, scope.tenant_id, label="assistant"),
        "assistant.handoff",
        conversation=str(conversation_id),
        outcome="needs_a_person",
        reason=reason,
    )


def _assistant_on(context: Row) -> bool:
    """The tenant's own switch; a tenant without assistant settings yet has the default (on)."""
    enabled = context["assistant_enabled"]
    return enabled is None or bool(enabled)


async def _claim(scope: TenantScope, message_ids: list[UUID]) -> set[UUID]:
    """The messages this transaction claimed (the others' steps ran before)."""
    # In the ids' order, like every batch: two transactions lock shared rows in the same order.
    ordered = sorted(set(message_ids), key=str)
    params = {f"id{n}": message_id for n, message_id in enumerate(ordered)}
    rows = await scope.fetch(_claims(len(ordered), on_postgres()), at=clock.now(), **params)
    return {row["id"] for row in rows}


async def _read_contexts(scope: TenantScope, conversation_ids: list[UUID]) -> dict[UUID, Row]:
    wanted = list(dict.fromkeys(conversation_ids))
    params = {f"id{n}": conversation_id for n, conversation_id in enumerate(wanted)}
    return {row["id"]: row for row in await scope.fetch(_contexts(len(wanted)), **params)}


async def _automatic_replies(scope: TenantScope, due: list[_Due]) -> dict[UUID, list[UUID]]:
    """The greeting and away message due, left on the message when a turn will say them (lead).

    Returns the replies stored, by the customer's message they answer.
    """
    if not due:
        return {}
    await _greetings(scope, due)
    await _away_messages(scope, due)
    leads = sorted(
        (d for d in due if d.lead and (d.greeting or d.away)),
        key=lambda d: str(d.stored.message_id),
    )
    if leads:
        params: dict[str, object] = {}
        for n, d in enumerate(leads):
            params[f"id{n}"], params[f"greeting{n}"] = d.stored.message_id, d.greeting
            params[f"away{n}"] = d.away
        await scope.execute(_leads(len(leads), on_postgres()), **params)
    return await _store_replies(scope, [d for d in due if not d.lead])


async def _greetings(scope: TenantScope, due: list[_Due]) -> None:
    """The greeting goes to the message that opens its conversation: nothing was said before it.

    A conversation created with the message holds nothing else. Otherwise it is
    read from the messages rather than from whether this job created the
    conversation: a job retried after a crash finds the conversation it created.
    A conversation greeted earlier in the batch has had something said.
    """
    wanted = [d for d in due if d.context["greeting_message"].strip()]
    said = await _said_earlier(scope, [d.stored for d in wanted if not d.stored.new_conversation])
    greeted: set[UUID] = set()
    for d in wanted:
        thread = d.stored.conversation_id
        if thread not in greeted and (d.stored.new_conversation or d.stored.message_id not in said):
            d.greeting = d.context["greeting_message"].strip()
            greeted.add(thread)


async def _said_earlier(scope: TenantScope, messages: list[StoredInbound]) -> set[UUID]:
    """The messages something was said before in their conversation."""
    if not messages:
        return set()
    params: dict[str, object] = {}
    for n, stored in enumerate(messages):
        params[f"conversation{n}"], params[f"id{n}"] = stored.conversation_id, stored.message_id
        params[f"before{n}"] = stored.received_at
    rows = await scope.fetch(_said_before(len(messages)), outbound=Direction.OUTBOUND, **params)
    return {messages[row["n"]].message_id for row in rows}


async def _away_messages(scope: TenantScope, due: list[_Due]) -> None:
    """Outside opening hours, the away message: once per conversation per ``AWAY_EVERY``.

    Sent on its own, or as the lead of a turn's reply, it counts; so does one
    given earlier in the batch.
    """
    wanted = [d for d in due if d.context["away_message"].strip()]
    if not wanted:
        return
    # One tenant: one text, one time zone, one week of hours.
    away = wanted[0].context["away_message"].strip()
    if is_open(await opening_days(scope), wanted[0].context["time_zone"], clock.now()):
        return
    told = await _told_lately(scope, [d.stored.conversation_id for d in wanted], away)
    for d in wanted:
        if d.stored.conversation_id not in told:
            d.away = away
            told.add(d.stored.conversation_id)


async def _told_lately(scope: TenantScope, conversation_ids: list[UUID], text: str) -> set[UUID]:
    threads = list(dict.fromkeys(conversation_ids))
    params = {f"conversation{n}": thread for n, thread in enumerate(threads)}
    rows = await scope.fetch(
        _told_away(len(threads)),
        since=clock.now() - AWAY_EVERY,
        outbound=Direction.OUTBOUND,
        system=Author.SYSTEM,
        text=text,
        **params,
    )
    return {threads[row["n"]] for row in rows}


async def _store_replies(scope: TenantScope, due: list[_Due]) -> dict[UUID, list[UUID]]:
    """Store the greetings and away messages due, QUEUED; by the message they answer."""
    texts: list[tuple[UUID, str]] = []
    answering: list[UUID] = []
    for d in due:
        for text in (d.greeting, d.away):
            if not text:
                continue
            if window_closed(d.context["transport"], d.stored.window_expires_at):
                # A message Meta delivered a day late: the window it opened has closed again.
                log.info(
                    "conversation %s: window closed, automatic reply skipped",
                    d.stored.conversation_id,
                )
                continue
            texts.append((d.stored.conversation_id, text))
            answering.append(d.stored.message_id)
    queued: dict[UUID, list[UUID]] = {}
    for message_id, reply in zip(answering, await store_system_texts(scope, texts), strict=True):
        queued.setdefault(message_id, []).append(reply)
    return queued

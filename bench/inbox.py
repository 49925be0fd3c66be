"""Benchmark: the inbox list, its filters, search and a thread at a million messages.

Run by hand (never by the test suite), from the project root:

    PYTHONPATH=$PWD .venv/bin/python -m bench.inbox --json inbox.json   # 1M + 100k messages
    PYTHONPATH=$PWD .venv/bin/python -m bench.inbox --scale 0.1         # a quick look

It creates a throwaway PostgreSQL database and seeds it with asyncpg's COPY:
a "big" tenant of 100,000 conversations and 1,000,000 messages, a "small" one
of 10,000 / 100,000, and two more tenants of 10,000 / 100,000 each so that
every query has other tenants' rows to skip (``--scale`` multiplies all of
them). Texts are built from everyday phrases in English and Roman Urdu with
numbers, names come from several countries' lists and phones from six
countries. Rare words are planted about once in 50,000 messages. Then it runs
ANALYZE (autovacuum is off on the reference machine), starts a real ``b2a
serve`` and measures, for each tenant, p50/p99 of each request through the
REST API (bearer token) and through the inbox page (a logged-in session
cookie): the first page, a page 20 cursors deep, each filter, search by a
number prefix, by a rare and a common word of message text, by customer name,
and opening a thread. Each search rotates over several values. See
docs/performance.md ("Inbox at a million messages") for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import random
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from rich.console import Console
from rich.table import Table

from bench import harness

console = Console(width=160)
PASSWORD = "a long bench passphrase"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
CSRF = re.compile(r'name="_csrf" value="([^"]+)"')

FIRST = [
    "Ayesha",
    "Bilal",
    "Chand",
    "Danish",
    "Fatima",
    "Hamza",
    "Hira",
    "Imran",
    "Kashif",
    "Mahnoor",
    "Nadia",
    "Omar",
    "Rabia",
    "Saad",
    "Sana",
    "Tariq",
    "Usman",
    "Zainab",
    "James",
    "Olivia",
    "Oliver",
    "Amelia",
    "Harry",
    "Isla",
    "Noah",
    "Emma",
    "Liam",
    "Sophia",
    "Mohammed",
    "Fatma",
    "Ahmed",
    "Mariam",
    "Yusuf",
    "Layla",
    "Priya",
    "Rahul",
    "Ananya",
    "Arjun",
    "Lukas",
    "Mia",
    "Leon",
    "Hannah",
    "Mateo",
    "Lucia",
    "Sofia",
    "Diego",
    "Chen",
    "Wei",
    "Mei",
    "Lin",
]
LAST = [
    "Khan",
    "Ahmed",
    "Ali",
    "Qureshi",
    "Malik",
    "Butt",
    "Chaudhry",
    "Sheikh",
    "Siddiqui",
    "Raza",
    "Hussain",
    "Iqbal",
    "Mirza",
    "Baig",
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Evans",
    "Al-Farsi",
    "Al-Mansouri",
    "Haddad",
    "Nasser",
    "Sharma",
    "Patel",
    "Gupta",
    "Singh",
    "Reddy",
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Garcia",
    "Martinez",
    "Lopez",
    "Hernandez",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
]
# (country code, national prefixes, digits after them): PK, UK, US, UAE, India, Germany.
PHONES = (
    ("92", ("300", "301", "321", "333", "345"), 7),
    ("44", ("7700", "7911", "7400"), 6),
    ("1", ("415", "212", "646", "312"), 7),
    ("971", ("50", "55", "52"), 7),
    ("91", ("98", "99", "87"), 8),
    ("49", ("151", "160", "176"), 8),
)
PHRASES = (
    "Assalam o alaikum",
    "price kya hai?",
    "What is the price for {n} people?",
    "I want to book a haircut for Saturday at {h} pm",
    "Is delivery available in DHA phase {d}?",
    "Thanks, see you tomorrow",
    "Order #{o} received, we will call you shortly",
    "Can I pay by card or only cash?",
    "Kal shaam {h} baje available hain?",
    "Please send the menu",
    "My address is house {n}, street {d}, Gulberg",
    "Your appointment is confirmed for {h}:30",
    "Theek hai, shukriya",
    "Do you have parking?",
    "The delivery was late by {n} minutes",
    "Can you share the location pin?",
    "How much for the deluxe facial package?",
    "Booking for {n} at {h} o'clock please",
    "Is the shop open on Sunday?",
    "Mujhe {n} cakes chahiye birthday ke liye",
    "Payment sent via JazzCash, ref {o}",
    "We are closed today, open tomorrow at {h} am",
    "Please confirm my order",
    "Is there any discount this week?",
)
RARE = ("tiramisu", "zanzibar", "kalimba", "quokka", "marzipan")
RARE_EVERY = 50_000  # messages per planted rare word
COMMON = ("price", "delivery", "tomorrow")
NAMES = ("qureshi", "fatima", "müller", "al-farsi", "hannah")
STATUSES = ("OPEN", "ASSIGNED", "RESOLVED", "CLOSED")
LABELS = ("vip", "complaint", "wholesale", "follow-up", "new-lead")


@dataclass
class Tenant:
    """One seeded tenant and what its requests need."""

    name: str
    conversations: int
    messages: int
    tenant_id: str = ""
    email: str = ""
    token: str = ""
    label_ids: list[str] = field(default_factory=list)
    sample_conversations: list[str] = field(default_factory=list)
    number_prefixes: list[str] = field(default_factory=list)


def _phone(rng: random.Random) -> tuple[str, str]:
    """A stored number (E.164 digits) and how a user might type its first digits."""
    country, prefixes, rest = rng.choice(PHONES)
    national = rng.choice(prefixes)
    tail = "".join(rng.choice("0123456789") for _ in range(rest))
    return country + national + tail, f"+{country} {national} {tail[:2]}"


def _text(rng: random.Random) -> str:
    parts = [
        rng.choice(PHRASES).format(
            n=rng.randint(1, 400),
            h=rng.randint(1, 12),
            d=rng.randint(1, 8),
            o=rng.randint(1000, 99999),
        )
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3)))
    ]
    return " ".join(parts)


async def _copy(
    conn: asyncpg.Connection, table: str, columns: list[str], rows: list[tuple]
) -> None:
    await conn.copy_records_to_table(table, records=rows, columns=columns)


async def _seed_rows(
    conn: asyncpg.Connection, t: Tenant, channel: str, users: list[str], seed: int
) -> None:
    """Customers, conversations, messages and label links of one tenant, by COPY."""
    rng = random.Random(seed)
    per = max(1, t.messages // t.conversations)
    customers, conversations, messages, links = [], [], [], []
    rare_left = {word: 0 for word in RARE}
    planted = 0
    for n in range(t.conversations):
        customer, conversation = uuid.uuid4(), uuid.uuid4()
        phone, typed = _phone(rng)
        if n % 997 == 0:
            t.number_prefixes.append(typed)
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}" if rng.random() < 0.8 else ""
        customers.append((customer, uuid.UUID(t.tenant_id), name, phone))
        started = NOW - timedelta(days=rng.random() * 365)
        at = started
        last_text = ""
        for k in range(per):
            at = at + timedelta(minutes=rng.randint(1, 600))
            text = _text(rng)
            if len(messages) % RARE_EVERY == RARE_EVERY // 2 or (
                t.messages < RARE_EVERY and rng.random() < 2 / RARE_EVERY
            ):
                word = RARE[planted % len(RARE)]
                planted += 1
                rare_left[word] += 1
                text = f"{text} {word}"
            inbound = k % 2 == 0
            messages.append(
                (
                    uuid.uuid4(),
                    at,
                    uuid.UUID(t.tenant_id),
                    conversation,
                    "INBOUND" if inbound else "OUTBOUND",
                    "CUSTOMER" if inbound else rng.choice(("AI", "AGENT")),
                    text,
                    "RECEIVED" if inbound else "READ",
                )
            )
            last_text = text
        assignee = rng.choice(users) if rng.random() < 0.5 else None
        conversations.append(
            (
                conversation,
                started,
                uuid.UUID(t.tenant_id),
                uuid.UUID(channel),
                customer,
                rng.choice(STATUSES),
                "HUMAN" if rng.random() < 0.3 else "AI",
                uuid.UUID(assignee) if assignee else None,
                at,
                last_text[:200],
                at,
                rng.choice((0, 0, 0, 0, 1, 2, 3)),
            )
        )
        if rng.random() < 0.1:
            links.append((uuid.UUID(t.tenant_id), conversation, uuid.UUID(rng.choice(t.label_ids))))
        if len(n_sample := t.sample_conversations) < 50 and rng.random() < 0.01:
            n_sample.append(str(conversation))
    await _copy(conn, "customer", ["id", "tenant", "name", "phone"], customers)
    conversation_columns = [
        "id", "created_at", "tenant", "channel", "customer", "status", "owner", "assignee",
        "last_message_at", "last_message_preview", "last_inbound_at", "unread_count",
    ]  # fmt: skip
    await _copy(conn, "conversation", conversation_columns, conversations)
    message_columns = [
        "id", "created_at", "tenant", "conversation", "direction", "author", "text", "state",
    ]  # fmt: skip
    for start in range(0, len(messages), 200_000):
        await _copy(conn, "message", message_columns, messages[start : start + 200_000])
    await _copy(conn, "conversation_label", ["tenant", "conversation", "label"], links)


async def _prepare_tenant(t: Tenant) -> tuple[str, list[str]]:
    """The tenant, its owner, two staff, labels, a channel and an API token (by the services)."""
    from b2a.inbox.labels import create_label
    from b2a.inbox.rules import Transport
    from b2a.inbox.tables import Channel
    from b2a.tenants import service as tenants
    from b2a.tenants.actor import Actor
    from b2a.tenants.api_tokens import create_api_token
    from b2a.tenants.rules import Role

    operator = Actor.operator("bench")
    t.email = f"owner-{t.name}@inbox-bench.test"
    tenant, login = await tenants.create_tenant(
        operator, f"Bench {t.name}", admin_email=t.email, admin_password=PASSWORD
    )
    t.tenant_id = str(tenant.id)
    owner = Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, t.email)
    users = [str(login.user_id)]
    for k in range(2):
        staff = await tenants.create_user(
            owner, f"staff{k}-{t.name}@inbox-bench.test", password=PASSWORD, role=Role.STAFF
        )
        users.append(str(staff.user_id))
    for name in LABELS:
        t.label_ids.append(str((await create_label(owner, name)).id))
    channel = owner.scope.new(Channel, transport=Transport.CLOUD, display_phone="+92 300 0000000")
    await channel.save()
    t.token = (await create_api_token(operator, t.email, name="inbox bench")).token
    return str(channel.id), users


def _search_indexes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The migration's search indexes (create, drop), if this checkout has them.

    Building them once after the COPY is minutes faster than keeping them
    current row by row, and gives the same index the migration builds on an
    existing database.
    """
    try:
        from b2a.schema.piccolo_migrations.b2a_2026_12_07t20_00_00_000000 import (
            POSTGRES_DROP,
            POSTGRES_INDEXES,
        )
    except ImportError:
        return (), ()
    return POSTGRES_INDEXES, POSTGRES_DROP


async def seed(env: dict[str, str], db_url: str, tenants: list[Tenant]) -> dict[str, float]:
    """Migrate, create the tenants, COPY their rows, build the search indexes, ANALYZE."""
    from b2a.db.engine import asyncpg_dsn, bind_engine, close_pool, create_engine, start_pool
    from b2a.schema.migrate import apply_pending
    from b2a.schema.tables import all_tables
    from b2a.settings import load_settings
    from b2a.tenants.passwords import configure_hashing

    settings = load_settings(env)
    configure_hashing(settings.auth)
    engine = create_engine(settings.db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    timings: dict[str, float] = {}
    try:
        await apply_pending()
        prepared = [await _prepare_tenant(t) for t in tenants]
    finally:
        await close_pool(engine)
    create, drop = _search_indexes()
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        for statement in drop:
            await conn.execute(statement)
        began = time.monotonic()
        for n, (t, (channel, users)) in enumerate(zip(tenants, prepared, strict=True)):
            await _seed_rows(conn, t, channel, users, seed=n)
            console.print(
                f"seeded {t.name}: {t.conversations:,} conversations, {t.messages:,} messages"
            )
        timings["copy_s"] = time.monotonic() - began
        began = time.monotonic()
        for statement in create:
            await conn.execute(statement)
        timings["search_indexes_s"] = time.monotonic() - began
        began = time.monotonic()
        await conn.execute("ANALYZE")
        timings["analyze_s"] = time.monotonic() - began
        timings["message_table_mb"] = (
            await conn.fetchval("SELECT pg_total_relation_size('message')") / 2**20
        )
    finally:
        await conn.close()
    return timings


def _log_in(client: httpx.Client, email: str) -> None:
    form = client.get("/login")
    token = CSRF.search(form.text)
    assert token, "the login page has no form"
    answer = client.post(
        "/login", data={"_csrf": token.group(1), "email": email, "password": PASSWORD}
    )
    assert answer.status_code in (200, 302, 303), (answer.status_code, answer.text[:300])
    assert client.get("/app/inbox").status_code == 200, "the login did not take"


def _deep_cursor(client: httpx.Client, depth: int) -> str:
    cursor = ""
    for _ in range(depth):
        params = {"cursor": cursor} if cursor else {}
        cursor = client.get("/api/v1/conversations", params=params).json()["next_cursor"]
    return cursor


def cases(t: Tenant, cursor: str) -> dict[str, tuple[str, list[dict[str, str]], str]]:
    """Each measured request: (API path, parameter sets rotated through, inbox page path)."""
    threads = t.sample_conversations
    return {
        "first page": ("/api/v1/conversations", [{}], "/app/inbox"),
        "20 cursors deep": ("/api/v1/conversations", [{"cursor": cursor}], "/app/inbox"),
        "status=RESOLVED": ("/api/v1/conversations", [{"status": "RESOLVED"}], "/app/inbox"),
        "owner=HUMAN": ("/api/v1/conversations", [{"owner": "HUMAN"}], "/app/inbox"),
        "assignee=me": ("/api/v1/conversations", [{"assignee": "me"}], "/app/inbox"),
        "assignee=none": ("/api/v1/conversations", [{"assignee": "none"}], "/app/inbox"),
        "label": ("/api/v1/conversations", [{"label": t.label_ids[0]}], "/app/inbox"),
        "unread": ("/api/v1/conversations", [{"unread": "true"}], "/app/inbox"),
        "q=number prefix": (
            "/api/v1/conversations",
            [{"q": p} for p in t.number_prefixes[:10]],
            "/app/inbox",
        ),
        "q=country code": ("/api/v1/conversations", [{"q": "+44 7"}, {"q": "+971"}], "/app/inbox"),
        "q=rare word": ("/api/v1/conversations", [{"q": w} for w in RARE], "/app/inbox"),
        "q=common word": ("/api/v1/conversations", [{"q": w} for w in COMMON], "/app/inbox"),
        "q=customer name": ("/api/v1/conversations", [{"q": w} for w in NAMES], "/app/inbox"),
        "thread": (
            "/api/v1/conversations/{c}/messages",
            [{"c": c} for c in threads],
            "/app/inbox/{c}",
        ),
    }


def _page_params(params: dict[str, str]) -> dict[str, str]:
    """The inbox page spells ``unread=true`` as ``unread=yes``."""
    return {k: ("yes" if k == "unread" else v) for k, v in params.items() if k != "c"}


def _timed(client: httpx.Client, path: str, params: dict[str, str]) -> float:
    began = time.perf_counter()
    answer = client.get(path, params=params)
    elapsed = (time.perf_counter() - began) * 1000
    assert answer.status_code == 200, (path, params, answer.status_code, answer.text[:300])
    return elapsed


@dataclass
class Figure:
    """p50/p99 in milliseconds of one request kind, how many, and CPU per request.

    ``cpu_ms``: CPU time of ``b2a serve`` and its PostgreSQL backends per
    request (warm-ups included), which other load on the machine hardly moves.
    """

    p50: float
    p99: float
    n: int
    cpu_ms: float
    hits: int = 0


def _figure(times: list[float], cpu_ms: float) -> Figure:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return Figure(statistics.median(ordered), p99, len(ordered), cpu_ms)


def _rotation(sets: list[dict[str, str]], samples: int) -> Iterator[dict[str, str]]:
    for n in range(samples):
        yield sets[n % len(sets)]


def _cpu(pids: list[int]) -> dict[int, float]:
    return {pid: harness.cpu_seconds(pid) for pid in pids}


def _cpu_since(before: dict[int, float]) -> float:
    """CPU seconds used since ``before`` by the processes still running (a pool may close one)."""
    now = _cpu(list(before))
    return sum(now[pid] - before[pid] for pid in before if now[pid] >= before[pid])


BLOCK = 10
"""Requests in a row for one tenant before the other's turn (see ``measure``)."""


@dataclass
class _Run:
    """One tenant's side of a case: its clients, parameter sets and what was measured so far."""

    tenant: Tenant
    api: httpx.Client
    page: httpx.Client
    cases: dict[str, tuple[str, list[dict[str, str]], str]]
    times: list[float] = field(default_factory=list)
    cpu_s: float = 0.0


def _request(run: _Run, name: str, kind: str, params: dict[str, str]) -> float:
    api_path, _, page_path = run.cases[name]
    if kind == "page":
        return _timed(run.page, page_path.format(c=params.get("c", "")), _page_params(params))
    query = {k: v for k, v in params.items() if k != "c"}
    return _timed(run.api, api_path.format(c=params.get("c", "")), query)


def _interleaved(runs: list[_Run], name: str, kind: str, samples: int, pids: list[int]) -> None:
    """``samples`` requests per tenant after 5 warm-ups, the tenants taking turns in blocks.

    Taking turns every ``BLOCK`` requests puts both sizes under the same
    weather: a neighbour's burst lands on both, so the ratio of the two p99s
    measures the data, not the minute each tenant happened to be measured in.
    """
    for run in runs:
        run.times, run.cpu_s = [], 0.0
        sets = run.cases[name][1]
        for params in _rotation(sets, 5):
            _request(run, name, kind, params)
    rotations = {id(run): _rotation(run.cases[name][1], samples) for run in runs}
    for _ in range(0, samples, BLOCK):
        for run in runs:
            began = _cpu(pids)
            for params in itertools.islice(rotations[id(run)], BLOCK):
                run.times.append(_request(run, name, kind, params))
            run.cpu_s += _cpu_since(began)


def measure(
    base_url: str, tenants: list[Tenant], samples: int, only: list[str], pids: list[int]
) -> dict[str, dict[str, dict[str, Figure]]]:
    """API and page figures of every case, per tenant, the tenants measured in turns.

    ``pids``: ``b2a serve`` and its PostgreSQL backends, whose CPU time per
    request is the figure a busy machine disturbs least.
    """
    runs = []
    for t in tenants:
        api = httpx.Client(
            base_url=base_url, headers={"Authorization": f"Bearer {t.token}"}, timeout=120
        )
        page = httpx.Client(base_url=base_url, headers={"Accept": "text/html"}, timeout=120)
        _log_in(page, t.email)
        runs.append(_Run(t, api, page, cases(t, _deep_cursor(api, 20))))
    results: dict[str, dict[str, dict[str, Figure]]] = {t.name: {} for t in tenants}
    try:
        for name in runs[0].cases:
            if only and name not in only:
                continue
            for kind in ("api", "page"):
                _interleaved(runs, name, kind, samples, pids)
                for run in runs:
                    cpu_ms = run.cpu_s * 1000 / len(run.times)
                    results[run.tenant.name].setdefault(name, {})[kind] = _figure(run.times, cpu_ms)
            for run in runs:
                figures = results[run.tenant.name][name]
                api_path, sets, _ = run.cases[name]
                first = sets[0]
                found = run.api.get(
                    api_path.format(c=first.get("c", "")),
                    params={k: v for k, v in first.items() if k != "c"},
                )
                figures["api"].hits = len(found.json()["items"])
                console.print(
                    f"  {run.tenant.name:6} {name:18} api p50 {figures['api'].p50:7.1f} p99 "
                    f"{figures['api'].p99:7.1f} cpu {figures['api'].cpu_ms:5.1f} | page p50 "
                    f"{figures['page'].p50:7.1f} p99 {figures['page'].p99:7.1f} cpu "
                    f"{figures['page'].cpu_ms:5.1f} ms  ({figures['api'].hits} on page 1)"
                )
    finally:
        for run in runs:
            run.api.close()
            run.page.close()
    return results


def report(big: Tenant, small: Tenant, results: dict[str, dict[str, dict[str, Figure]]]) -> None:
    """One row per request kind: both sizes, API and page, and the big/small ratio of p99."""
    table = Table(title=f"inbox at {big.messages:,} and {small.messages:,} messages (ms)")
    columns = ("big api", "big page", "small api", "small page")
    table.add_column("request (p50 / p99 / CPU)", justify="right")
    for column in (*columns, "p99 ratio api, page"):
        table.add_column(column, justify="right")

    def cell(f: Figure) -> str:
        return f"{f.p50:.1f} / {f.p99:.1f} / {f.cpu_ms:.1f}"

    for name, by_kind in results[big.name].items():
        other = results[small.name].get(name)
        if other is None:
            continue
        table.add_row(
            name,
            cell(by_kind["api"]),
            cell(by_kind["page"]),
            cell(other["api"]),
            cell(other["page"]),
            f"{by_kind['api'].p99 / other['api'].p99:.2f}, "
            f"{by_kind['page'].p99 / other['page'].p99:.2f}",
        )
    console.print(table)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1: 1M + 100k messages")
    parser.add_argument("--samples", type=int, default=200, help="requests per case and tenant")
    parser.add_argument("--only", nargs="*", default=[], help="measure only these cases")
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument(
        "--keep", type=Path, help="keep the database; write what --reuse needs to this file"
    )
    parser.add_argument(
        "--reuse", type=Path, help="measure the database a --keep run left (migrated first)"
    )
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where the benchmark may create and drop a database",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/11")
    return parser.parse_args()


def _tenants(scale: float) -> list[Tenant]:
    def sized(name: str, conversations: int) -> Tenant:
        n = max(10, int(conversations * scale))
        return Tenant(name, n, n * 10)

    return [
        sized("big", 100_000),
        sized("small", 10_000),
        sized("other1", 10_000),
        sized("other2", 10_000),
    ]


async def _seeded(
    args: argparse.Namespace, home: Path
) -> tuple[dict[str, str], list[Tenant], dict[str, float]]:
    """A new seeded database, or the one a ``--keep`` run left (brought up to date, analysed)."""
    if args.reuse:
        kept = json.loads(args.reuse.read_text())
        env = harness.base_env(home, kept["db_url"], args.redis_url)
        await _migrate_and_analyze(env, kept["db_url"])
        return env, [Tenant(**t) for t in kept["tenants"]], kept["seed"]
    admin = await asyncpg.connect(args.pg_admin_url)
    name = f"b2a_inbox_bench_{time.time_ns()}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    db_url = args.pg_admin_url.rsplit("/", 1)[0] + "/" + name
    env = harness.base_env(home, db_url, args.redis_url)
    tenants = _tenants(args.scale)
    began = time.monotonic()
    timings = await seed(env, db_url, tenants)
    timings["seed_s"] = time.monotonic() - began
    console.print(f"seeded in {timings['seed_s']:.0f} s: {json.dumps(timings)}")
    if args.keep:
        kept = {"db_url": db_url, "tenants": [asdict(t) for t in tenants], "seed": timings}
        args.keep.write_text(json.dumps(kept))
        console.print(f"kept {db_url}; measure it again with --reuse {args.keep}")
    return env, tenants, timings


async def _migrate_and_analyze(env: dict[str, str], db_url: str) -> None:
    from b2a.db.engine import asyncpg_dsn, bind_engine, close_pool, create_engine, start_pool
    from b2a.schema.migrate import apply_pending
    from b2a.schema.tables import all_tables
    from b2a.settings import load_settings

    engine = create_engine(load_settings(env).db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    try:
        await apply_pending()
    finally:
        await close_pool(engine)
    conn = await asyncpg.connect(asyncpg_dsn(db_url))
    try:
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def _drop(args: argparse.Namespace, env: dict[str, str]) -> None:
    if args.keep or args.reuse:
        return
    admin = await asyncpg.connect(args.pg_admin_url)
    try:
        name = env["B2A_DB_URL"].rsplit("/", 1)[1]
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def main(args: argparse.Namespace) -> None:
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        env, tenants, timings = await _seeded(args, home)
        results: dict[str, dict[str, dict[str, Figure]]] = {}
        try:
            await _flush(args.redis_url)
            with harness.running_stack(env, home / "logs") as stack:
                stack.start("serve")
                pids = [stack.processes["serve"].pid]
                pids += await harness.postgres_backends(env["B2A_DB_URL"])
                results = measure(stack.base_url, tenants[:2], args.samples, args.only, pids)
        finally:
            await _drop(args, env)
    big, small = tenants[0], tenants[1]
    report(big, small, results)
    loads = {"before": load, "after": os.getloadavg()}
    console.print(f"load average before {load}, after {loads['after']}")
    if args.json:
        out = {
            "sizes": {t.name: [t.conversations, t.messages] for t in tenants},
            "samples": args.samples,
            "load_average": loads,
            "seed": timings,
            "results": {
                tenant: {
                    case: {k: asdict(v) for k, v in kinds.items()}
                    for case, kinds in by_case.items()
                }
                for tenant, by_case in results.items()
            },
        }
        args.json.write_text(json.dumps(out, indent=2))


async def _flush(redis_url: str) -> None:
    from redis.asyncio import Redis

    redis = Redis.from_url(redis_url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))

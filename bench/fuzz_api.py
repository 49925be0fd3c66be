"""Fuzzing the REST API: schemathesis over the whole OpenAPI document of a live ``b2a serve``.

Run by hand (the suite runs a short form, tests/http/test_fuzz_api.py), from the project root:

    .venv/bin/python -m bench.fuzz_api                   # the long run: ≥ 20,000 requests
    .venv/bin/python -m bench.fuzz_api --examples 5      # a quick look
    .venv/bin/python -m bench.fuzz_api --seed 7          # another seed

It creates a throwaway PostgreSQL database and uses one Redis database (flushed),
starts ``b2a serve`` on it, makes a tenant with an admin and a staff member (each
with an API token), a super admin with a token, and a few rows for the routes to
find (a sandbox channel, customer, conversation and message, a label, a service,
an FAQ entry, a canned reply). Then, for every operation the server's own
OpenAPI document (``/api/openapi.json``) describes, schemathesis generates
``--examples`` valid requests (naming those rows where the path takes an id),
as many with made-up ids, and as many invalid ones (seeded, derandomized), and
each is sent once with every token. Each answer is checked: no 5xx, and its
body (an error's too) matches what the document declares for that status.
Reported: requests, answers by status, failures (each with a curl line to
repeat it), and the time taken.
See docs/reliability.md, "Fuzzing the API", for the figures on the reference machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench import harness

ROLES = ("admin", "staff", "super")
"""Whose tokens the long run sends each request with; the suite's run uses admin and staff."""


@dataclass
class Fuzzed:
    """What one run sent and what came back."""

    requests: int = 0
    operations: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> int:
        """Answers with a 5xx status."""
        return sum(n for status, n in self.statuses.items() if status >= 500)


@dataclass
class Seeded:
    """The tokens to send (by role) and ids of rows the routes can find (by path parameter)."""

    tokens: dict[str, str]
    ids: dict[str, str]


async def seed_tenant(env: dict[str, str]) -> Seeded:
    """Migrate; a tenant with rows to find, its admin and staff, a super admin: a token each."""
    from b2a.catalog.tables import FaqEntry, Service
    from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
    from b2a.inbox.rules import ChannelState, Direction, Transport
    from b2a.inbox.tables import CannedReply, Channel, Conversation, Customer, Label, Message
    from b2a.schema.migrate import apply_pending
    from b2a.schema.tables import all_tables
    from b2a.settings import load_settings
    from b2a.tenants import service as tenants
    from b2a.tenants.actor import Actor
    from b2a.tenants.api_tokens import create_api_token
    from b2a.tenants.rules import Role

    operator = Actor.operator("fuzz")
    engine = create_engine(load_settings(env).db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    try:
        await apply_pending()
        stamp = time.time_ns()
        password = "correct horse battery staple"
        tenant, login = await tenants.create_tenant(
            operator, "Fuzz Co", admin_email=f"admin-{stamp}@fuzz.test", admin_password=password
        )
        admin = Actor(login.user_id, Role.TENANT_ADMIN, tenant.id, login.email)
        staff = await tenants.create_user(
            admin, f"staff-{stamp}@fuzz.test", password=password, role=Role.STAFF
        )
        boss = await tenants.create_user(
            operator, f"super-{stamp}@fuzz.test", password=password, role=Role.SUPER_ADMIN
        )
        scope = admin.scope
        rows: dict[str, Any] = {
            "channel_id": scope.new(
                Channel, transport=Transport.SANDBOX, state=ChannelState.CONNECTED
            ),
            "customer_id": scope.new(Customer, name="Ayesha", phone="923001234567"),
            "label_id": scope.new(Label, name="vip"),
            "service_id": scope.new(Service, name="Haircut", price_minor=150000, currency="PKR"),
            "entry_id": scope.new(FaqEntry, question="Open on Sunday?", answer="No."),
            "reply_id": scope.new(CannedReply, shortcut="hours", text="9 to 5"),
        }
        for row in rows.values():
            await row.save()
        rows["conversation_id"] = scope.new(
            Conversation, channel=rows["channel_id"].id, customer=rows["customer_id"].id
        )
        await rows["conversation_id"].save()
        rows["message_id"] = scope.new(
            Message,
            conversation=rows["conversation_id"].id,
            direction=Direction.INBOUND,
            text="price?",
        )
        await rows["message_id"].save()
        ids = {name: str(row.id) for name, row in rows.items()}
        ids |= {"shortcut": "hours", "tenant_id": str(tenant.id), "member_id": str(staff.user_id)}
        tokens = {}
        for role, email in (("admin", login.email), ("staff", staff.email), ("super", boss.email)):
            tokens[role] = (await create_api_token(operator, email, name="fuzz")).token
        return Seeded(tokens, ids)
    finally:
        await close_pool(engine)


def _streams(operation: dict[str, Any]) -> bool:
    """Whether an operation answers with a stream of server-sent events."""
    answers = operation.get("responses", {}).values()
    return any("text/event-stream" in answer.get("content", {}) for answer in answers)


def fuzz(
    base_url: str,
    tokens: dict[str, str],
    *,
    examples: int,
    seed: int,
    ids: dict[str, str] | None = None,
    thorough: bool = False,
    keep: int = 20,
    operations: Iterable[str] = (),
) -> Fuzzed:
    """Schemathesis over every operation, each case sent with each token; failures collected.

    Each operation but a stream of events gets ``examples`` valid and
    ``examples`` invalid cases; the valid ones of an operation whose path names
    a row in ``ids`` use those ids, so they reach the handler instead of a 404
    (``thorough``: as many again with made-up ids). ``operations`` narrows the
    run to operations whose label (``GET /api/v1/…``) contains one of the given
    strings; ``keep`` bounds how many failures are kept.
    """
    import hypothesis
    import requests
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.core.failures import FailureGroup
    from schemathesis.specs.openapi.checks import response_schema_conformance

    started = time.monotonic()
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    wanted = tuple(operations)
    result = Fuzzed()
    session = requests.Session()
    checks = [not_a_server_error, response_schema_conformance]
    for found in schema.get_all_operations():
        operation = found.ok()
        if wanted and not any(part in operation.label for part in wanted):
            continue
        if _streams(operation.definition.raw):
            continue  # an open stream has no body to check; schemathesis would wait on it
        result.operations += 1
        named = {k: v for k, v in (ids or {}).items() if f"{{{k}}}" in operation.path}
        runs = [(GenerationMode.POSITIVE, named or None), (GenerationMode.NEGATIVE, None)]
        if thorough and named:
            runs.append((GenerationMode.POSITIVE, None))
        for mode, path_parameters in runs:
            strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

            @hypothesis.settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
                suppress_health_check=list(hypothesis.HealthCheck),
            )
            @hypothesis.seed(seed)
            @hypothesis.given(case=strategy)
            def send(case: Any) -> None:
                for token in tokens.values():
                    headers = {"Authorization": f"Bearer {token}"}
                    response = case.call(base_url=base_url, session=session, headers=headers)
                    result.requests += 1
                    result.statuses[response.status_code] += 1
                    try:
                        case.validate_response(response, checks=checks, headers=headers)
                    except FailureGroup as failure:
                        if len(result.failures) < keep:
                            result.failures.append(str(failure))

            # Unsatisfiable: no invalid request can be built for this operation.
            with contextlib.suppress(hypothesis.errors.Unsatisfiable):
                send()
    session.close()  # an open keep-alive connection holds up the server's shutdown
    result.seconds = time.monotonic() - started
    return result


def report(result: Fuzzed) -> str:
    """The run in a few lines."""
    statuses = ", ".join(f"{status}: {n}" for status, n in sorted(result.statuses.items()))
    lines = [
        f"{result.requests} requests to {result.operations} operations in "
        f"{result.seconds:.0f} s; {result.server_errors} answered 5xx; "
        f"{len(result.failures)} failures kept",
        f"answers by status: {statuses}",
    ]
    return "\n".join(lines + result.failures)


async def main(args: argparse.Namespace) -> int:
    async with harness.scratch(args.pg_admin_url, args.redis_url, "b2a_fuzz") as (db_url, home):
        env = harness.base_env(home, db_url, args.redis_url)
        seeded = await seed_tenant(env)
        with harness.running_stack(env, home / "logs") as stack:
            stack.start("serve")
            result = await asyncio.to_thread(
                fuzz,
                stack.base_url,
                {role: seeded.tokens[role] for role in args.roles},
                examples=args.examples,
                seed=args.seed,
                ids=seeded.ids,
                thorough=True,
                operations=args.only,
            )
        print(report(result))
        if result.failures:  # the log goes with the home directory: show its end now
            log = (home / "logs" / "serve.log").read_text(errors="replace")
            print("the server's log ends:\n" + log[-8000:], file=sys.stderr)
    return 1 if result.failures or result.server_errors else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=30, help="cases per operation and run")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--roles", nargs="+", default=list(ROLES), choices=ROLES)
    parser.add_argument("--only", nargs="*", default=[], help="operations containing these")
    parser.add_argument(
        "--pg-admin-url",
        default="postgresql://postgres@127.0.0.1:5432/postgres",
        help="a server where the run may create and drop a database",
    )
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/10")
    return parser.parse_args()


if __name__ == "__main__":
    sys.exit(asyncio.run(main(parse_args())))

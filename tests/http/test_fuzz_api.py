"""Schemathesis over the whole OpenAPI document of a live ``b2a serve`` on PostgreSQL.

The short form of ``bench/fuzz_api.py`` (its long run is in docs/reliability.md):
every operation gets a few valid and a few invalid requests (seeded and
derandomized, so a run repeats exactly), each sent with a tenant admin's and a
staff member's API token, and those whose path names a row get as many again
with the ids of real rows. No answer may be a 5xx, and every body, errors
included, must match what the document declares for its status.
"""

from __future__ import annotations

import asyncio

import pytest

from bench import fuzz_api, harness

pytestmark = pytest.mark.slow  # starts b2a serve

EXAMPLES = 3
SEED = 16


async def test_no_5xx_and_every_body_as_declared(make_database, redis_url, tmp_path):
    env = harness.base_env(tmp_path, make_database(), redis_url)
    seeded = await fuzz_api.seed_tenant(env)
    tokens = {role: seeded.tokens[role] for role in ("admin", "staff")}
    with harness.running_stack(env, tmp_path / "logs") as stack:
        stack.start("serve")
        result = await asyncio.to_thread(
            fuzz_api.fuzz,
            stack.base_url,
            tokens,
            examples=EXAMPLES,
            seed=SEED,
            ids=seeded.ids,
        )
    assert result.operations >= 100, fuzz_api.report(result)
    assert result.requests >= result.operations * len(tokens) * 2, fuzz_api.report(result)
    assert result.server_errors == 0 and not result.failures, fuzz_api.report(result)
    assert result.statuses[200] > 0 and result.statuses[422] > 0, fuzz_api.report(result)

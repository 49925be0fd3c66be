"""Hand-written statements run the same on both engines and stay within one tenant."""

import uuid
from datetime import UTC, datetime

import pytest

from b2a.db import sql
from b2a.db.transaction import atomic
from b2a.tenants.scope import TenantScope

AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ADD = sql.Statement(
    """INSERT INTO customer (id, created_at, tenant, name, phone)
    VALUES (:id, :at, :tenant, :name, '') ON CONFLICT (id) DO NOTHING RETURNING id, created_at"""
)
NAMES = sql.Statement("SELECT name FROM customer WHERE tenant = :tenant ORDER BY name")


async def test_rows_come_back_typed_and_a_conflict_returns_none(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    customer = uuid.uuid4()
    row = await scope.fetchrow(ADD, id=customer, at=AT, name="Ayesha")
    assert (row["id"], row["created_at"]) == (customer, AT)
    assert await scope.fetchrow(ADD, id=customer, at=AT, name="Ayesha") is None


async def test_a_tenants_statement_never_sees_another_tenants_rows(cast):
    acme, globex = TenantScope(cast.acme_owner.tenant_id), TenantScope(cast.globex_owner.tenant_id)
    await acme.execute(ADD, id=uuid.uuid4(), at=AT, name="Ayesha")
    await globex.execute(ADD, id=uuid.uuid4(), at=AT, name="Bilal")
    assert [r["name"] for r in await acme.fetch(NAMES)] == ["Ayesha"]
    assert [r["name"] for r in await globex.fetch(NAMES)] == ["Bilal"]


async def test_statements_inside_atomic_roll_back_together(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    with pytest.raises(RuntimeError):
        async with atomic():
            await scope.execute(ADD, id=uuid.uuid4(), at=AT, name="Ayesha")
            raise RuntimeError("crash before the commit")
    assert await scope.fetch(NAMES) == []


async def test_a_statement_without_the_tenant_or_with_wrong_parameters_is_refused(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    with pytest.raises(ValueError, match=":tenant"):
        await scope.fetch(sql.Statement("SELECT name FROM customer"))
    with pytest.raises(TypeError, match=r"missing parameters \['at'\], unknown \['when'\]"):
        await scope.execute(ADD, id=uuid.uuid4(), when=AT, name="Ayesha")


def test_a_parameter_is_named_once_however_often_it_appears_and_casts_are_no_parameters():
    assert sql.Statement("SELECT :a, :b::text, :a").parameters == {"a", "b"}
    with pytest.raises(ValueError, match="braces"):
        sql.Statement("SELECT '{}'")

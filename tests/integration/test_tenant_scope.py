"""A read or write through one tenant's scope never reaches another tenant's rows."""

import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.catalog.tables import Service
from b2a.errors import NotFound
from b2a.inbox.tables import Customer, Label
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant

names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=12)
rows = st.lists(st.tuples(st.sampled_from([0, 1]), names), min_size=1, max_size=8)


async def _tenants():
    made = []
    for _ in range(2):
        tenant = Tenant(name="t", slug=f"t-{uuid.uuid4().hex[:12]}")
        await tenant.save()
        made.append(tenant.id)
    return made


async def _insert(scope, table, name):
    if table is Service:
        row = scope.new(Service, name=name, price_minor=1000)
    elif table is Label:
        row = scope.new(Label, name=f"{name}-{uuid.uuid4().hex[:6]}")
    else:
        row = scope.new(Customer, name=name)
    await row.save()
    return row.id


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=rows, table=st.sampled_from([Customer, Label, Service]))
async def test_scoped_reads_and_writes_stay_inside_the_tenant(db, spec, table):
    tenant_ids = await _tenants()
    scopes = [TenantScope(t) for t in tenant_ids]
    owned = {0: set(), 1: set()}
    for who, name in spec:
        owned[who].add(await _insert(scopes[who], table, name))

    for who in (0, 1):
        other = 1 - who
        seen = {r["id"] for r in await scopes[who].select(table, table.id).run()}
        assert seen == owned[who]
        assert await scopes[who].count(table).run() == len(owned[who])
        for foreign_id in owned[other]:
            with pytest.raises(NotFound):
                await scopes[who].get(table, foreign_id)

    before = await scopes[1].count(table).run()
    column = {Customer: Customer.email, Label: Label.color, Service: Service.description}[table]
    await scopes[0].update(table, {column: "renamed"}).run()
    await scopes[0].delete(table).run()
    assert await scopes[1].count(table).run() == before
    untouched = {r[column] for r in await scopes[1].select(table, column).run()}
    assert "renamed" not in untouched


def test_a_table_without_a_tenant_cannot_be_scoped():
    with pytest.raises(TypeError):
        TenantScope(uuid.uuid4()).select(Tenant)


async def test_the_tenant_of_a_row_cannot_be_rewritten(db):
    with pytest.raises(ValueError):
        TenantScope(uuid.uuid4()).update(Customer, {Customer.tenant: uuid.uuid4()})

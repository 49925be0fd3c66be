"""The one way to read or write tenant-owned rows.

Every query on a table with a ``tenant`` column goes through a ``TenantScope``,
which adds ``tenant = <caller's tenant>`` to reads, updates and deletes and stamps
it on inserts. A row of another tenant is therefore indistinguishable from a row
that does not exist: ``get`` raises ``NotFound`` for both. Hand-written hot-path
SQL (``b2a.db.sql``) runs through ``fetch``/``fetchrow``/``execute``, which bind
``:tenant`` to the caller's tenant and refuse a statement that never names it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from piccolo.columns import Column
from piccolo.query import Count, Delete, Exists, Objects, Select, Update
from piccolo.table import Table

from b2a.db import sql
from b2a.errors import NotFound

T = TypeVar("T", bound=Table)


def _tenant_column(table: type[Table]) -> Column:
    column = getattr(table, "tenant", None)
    if not isinstance(column, Column):
        raise TypeError(f"{table.__name__} has no tenant column; it is not tenant-owned.")
    return column


@dataclass(frozen=True)
class TenantScope:
    """Queries restricted to one tenant's rows."""

    tenant_id: UUID

    def select(self, table: type[Table], *columns: Any) -> Select:
        """``table.select(...)`` limited to this tenant."""
        return table.select(*columns).where(_tenant_column(table) == self.tenant_id)

    def objects(self, table: type[T]) -> Objects[T]:
        """``table.objects()`` limited to this tenant."""
        return table.objects().where(_tenant_column(table) == self.tenant_id)

    def count(self, table: type[Table]) -> Count:
        """``table.count()`` limited to this tenant."""
        return table.count().where(_tenant_column(table) == self.tenant_id)

    def exists(self, table: type[Table]) -> Exists:
        """``table.exists()`` limited to this tenant."""
        return table.exists().where(_tenant_column(table) == self.tenant_id)

    def update(self, table: type[Table], values: dict[Column | str, Any]) -> Update:
        """``table.update(values)`` limited to this tenant; the tenant itself never changes."""
        tenant = _tenant_column(table)
        if any((key if isinstance(key, str) else key._meta.name) == "tenant" for key in values):
            raise ValueError("a row's tenant never changes")
        return table.update(values).where(tenant == self.tenant_id)

    def delete(self, table: type[Table]) -> Delete:
        """``table.delete()`` limited to this tenant."""
        return table.delete().where(_tenant_column(table) == self.tenant_id)

    def new(self, table: type[T], **values: Any) -> T:
        """A new (unsaved) row of ``table`` owned by this tenant."""
        _tenant_column(table)
        return table(tenant=self.tenant_id, **values)

    async def get(self, table: type[T], row_id: UUID | str) -> T:
        """The row with this id, if this tenant owns it.

        Raises:
            NotFound: no such row for this tenant (whether or not another tenant has it).
        """
        try:
            key = row_id if isinstance(row_id, UUID) else UUID(str(row_id))
        except ValueError:
            raise NotFound(f"{table.__name__} not found.") from None
        row = await self.objects(table).where(table._meta.primary_key == key).first()
        if row is None:
            raise NotFound(f"{table.__name__} not found.")
        return row

    async def fetch(self, statement: sql.Statement, **params: Any) -> list[sql.Row]:
        """A hand-written statement's rows, with ``:tenant`` bound to this tenant."""
        return await sql.fetch(statement, **self._bind(statement, params))

    async def fetchrow(self, statement: sql.Statement, **params: Any) -> sql.Row | None:
        """A hand-written statement's first row, with ``:tenant`` bound to this tenant."""
        return await sql.fetchrow(statement, **self._bind(statement, params))

    async def execute(self, statement: sql.Statement, **params: Any) -> None:
        """Run a hand-written statement for its effect, with ``:tenant`` bound to this tenant."""
        await sql.execute(statement, **self._bind(statement, params))

    def _bind(self, statement: sql.Statement, params: dict[str, Any]) -> dict[str, Any]:
        if "tenant" not in statement.parameters:
            raise ValueError(f"{statement!r} never names :tenant, so it is not limited to one")
        return {**params, "tenant": self.tenant_id}

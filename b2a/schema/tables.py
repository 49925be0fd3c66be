"""Every table class of every domain package: what a process binds to its engine.

Kept apart from ``piccolo_app.py`` because Piccolo's ``AppConfig`` lives in
``piccolo.conf.apps``, which imports the migration machinery and ``black``
(about 30 MiB per process): the long-running processes need the tables, only the
migration tools need the app (docs/decisions.md, "Each process imports what it uses").
"""

from __future__ import annotations

from importlib import import_module

from piccolo.table import Table

DOMAIN_TABLE_MODULES = (
    "b2a.tenants.tables",
    "b2a.billing.tables",
    "b2a.audit.tables",
    "b2a.system.tables",
    "b2a.inbox.tables",
    "b2a.catalog.tables",
    "b2a.orders.tables",
    "b2a.assistant.tables",
    "b2a.outbox.tables",
    "b2a.customers.tables",
)


def all_tables() -> list[type[Table]]:
    """Every table class, in the order its module declares it."""
    tables: list[type[Table]] = []
    for module_name in DOMAIN_TABLE_MODULES:
        module = import_module(module_name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Table)
                and value.__module__ == module_name
                and not vars(value).get("abstract_table")
                and value not in tables
            ):
                tables.append(value)
    return tables

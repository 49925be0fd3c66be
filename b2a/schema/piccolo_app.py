"""Piccolo app holding every table of every domain package."""

from __future__ import annotations

import os
from importlib import import_module

from piccolo.conf.apps import AppConfig
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


APP_CONFIG = AppConfig(
    app_name="b2a",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=all_tables(),
    migration_dependencies=[],
    commands=[],
)

"""Piccolo app holding every table of every domain package, for Piccolo's migration tools.

Runtime code binds ``b2a.schema.tables.all_tables()`` instead: this module imports
``piccolo.conf.apps`` (and through it ``black``), which only migrations need.
"""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from b2a.schema.tables import all_tables

APP_CONFIG = AppConfig(
    app_name="b2a",
    migrations_folder_path=os.path.join(os.path.dirname(__file__), "piccolo_migrations"),
    table_classes=all_tables(),
    migration_dependencies=[],
    commands=[],
)

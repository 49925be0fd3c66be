"""Piccolo's configuration module (``PICCOLO_CONF=b2a.db.piccolo_conf``).

``DB`` is built from the appliance settings the first time Piccolo asks for it,
and replaced by ``b2a.db.engine.bind_engine`` when a process chooses its engine.
``APP_REGISTRY`` is built the first time Piccolo's migration tools ask for it:
``piccolo.conf.apps`` imports ``black``, which the running processes never need.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "APP_REGISTRY":
        from piccolo.conf.apps import AppRegistry

        registry = AppRegistry(apps=["b2a.schema.piccolo_app"])
        globals()[name] = registry
        return registry
    if name != "DB":
        raise AttributeError(name)
    from b2a.db.engine import create_engine
    from b2a.settings import settings_from_environment

    engine = create_engine(settings_from_environment().db, "migrate")
    globals()["DB"] = engine
    return engine

"""How handlers declare what they take, in Litestar's explicit style.

Litestar 2.25 deprecates inferring a parameter's source from its name (a path
parameter, the ``actor`` dependency, the ``data`` body) and 3.0 drops it, so
every handler marks each one: ``FromPath[UUID]``, ``FromQuery[...]``,
``JSONBody[...]`` from ``litestar.params`` and the aliases below for what many
handlers share. ``tests/http/test_app_build.py`` keeps the warnings from coming back.
"""

from __future__ import annotations

from typing import Annotated

from litestar.di import NamedDependency
from litestar.params import QueryParameter

from b2a.db import keyset
from b2a.tenants.actor import Actor

ActorDep = NamedDependency[Actor]
"""The caller, injected by ``auth.provide_actor`` on the ``/api/v1`` router."""

Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the last page.")]
"""A keyset page's ``cursor``; its default is ``None`` (the first page)."""

Limit = Annotated[int, QueryParameter(ge=1, le=keyset.MAX_LIMIT)]
"""A keyset page's size; its default is ``keyset.DEFAULT_LIMIT``."""

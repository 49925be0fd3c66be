"""The super admin's panel under ``/admin``: thin pages over the platform's domain functions.

Every route carries ``ADMIN`` (``Area.ADMIN``, which no tenant role has), so the
router's gate refuses tenant admins and staff with 403 before a handler runs;
the domain functions check ``actor.require()`` (super admins only) again.
"""

from __future__ import annotations

from typing import Any

from b2a.server.web.admin import (
    ai,
    audit,
    billing,
    coupons,
    events,
    notices,
    overview,
    payments,
    plans,
    settings,
    tenants,
    usage,
)

HANDLERS: list[Any] = [
    *overview.HANDLERS,
    *tenants.HANDLERS,
    *plans.HANDLERS,
    *payments.HANDLERS,
    *billing.HANDLERS,
    *coupons.HANDLERS,
    *settings.HANDLERS,
    *usage.HANDLERS,
    *ai.HANDLERS,
    *audit.HANDLERS,
    *events.HANDLERS,
    *notices.HANDLERS,
]

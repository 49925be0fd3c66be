"""The platform's kill switches, flipped by the super admin and read on every use.

Stored as the ``switches`` system setting; a missing row means everything is on.
"""

from __future__ import annotations

from b2a.audit import service as audit
from b2a.db import sql
from b2a.db.columns import json_value
from b2a.lib import clock
from b2a.system.tables import SystemSetting
from b2a.tenants.actor import Actor

KEY = "switches"
# Read by every assistant turn: hand-written, not built by Piccolo.
_VALUE = sql.Statement("SELECT value FROM system_setting WHERE key = :key")


async def _current() -> dict[str, bool]:
    row = await sql.fetchrow(_VALUE, key=KEY)
    value = json_value(row["value"]) if row is not None else {}
    return {str(k): bool(v) for k, v in (value or {}).items()}


async def ai_enabled_globally() -> bool:
    """Whether any tenant's assistant may answer right now."""
    return (await _current()).get("ai_enabled", True)


async def whatsapp_enabled_globally() -> bool:
    """Whether any tenant's WhatsApp-Web session may start or keep running right now."""
    return (await _current()).get("whatsapp_enabled", True)


async def set_ai_globally(actor: Actor, enabled: bool) -> None:
    """Switch every tenant's assistant on or off; effective on the next customer message.

    Raises:
        Forbidden: the actor is not a super admin.
    """
    await _switch(actor, "ai_enabled", enabled)
    await audit.record(actor, "system.ai_switched", enabled=enabled)


async def set_whatsapp_globally(actor: Actor, enabled: bool) -> None:
    """Switch WhatsApp-Web sessions on or off for every tenant (the session process follows).

    Raises:
        Forbidden: the actor is not a super admin.
    """
    await _switch(actor, "whatsapp_enabled", enabled)
    await audit.record(actor, "system.whatsapp_switched", enabled=enabled)


async def _switch(actor: Actor, name: str, enabled: bool) -> None:
    actor.require()
    switches = {**await _current(), name: enabled}
    row = await SystemSetting.objects().where(SystemSetting.key == KEY).first()
    if row is None:
        row = SystemSetting(key=KEY, value=switches, updated_by=actor.user_id)
    else:
        row.value = switches
        row.updated_by = actor.user_id
        row.updated_at = clock.now()
    await row.save()

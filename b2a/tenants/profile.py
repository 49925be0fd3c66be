"""The business as its customers meet it: name, time zone, currency, hours, automatic texts.

Tenant admins edit it (the settings page). The time zone decides opening
hours, when the assistant's daily limit resets and when scheduled messages go;
the greeting and away messages are the pipeline's automatic replies
(``outbox.auto_replies``). Changes apply to the next message.
"""

from __future__ import annotations

import re
from datetime import time

import msgspec

from b2a.audit import service as audit
from b2a.catalog.money import normalise_currency
from b2a.db.transaction import atomic
from b2a.errors import Conflict, Invalid
from b2a.tenants.actor import Actor
from b2a.tenants.hours import WEEKDAY_NAMES
from b2a.tenants.rules import Role, check_time_zone
from b2a.tenants.tables import Tenant, WorkingHours

CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MAX_TEXT = 1000


class DayHours(msgspec.Struct):
    """One weekday (0 = Monday), HH:MM; closing at or before opening runs past midnight."""

    weekday: int
    opens: str = "09:00"
    closes: str = "17:00"
    closed: bool = False


class BusinessProfile(msgspec.Struct):
    """What the settings page shows."""

    name: str
    time_zone: str
    currency: str
    greeting_message: str
    away_message: str
    allow_group_chats: bool
    hours: list[DayHours]
    keep_deleted_text: bool = False
    """The team may still read (struck through) what a customer deleted."""


class ProfileIn(msgspec.Struct, forbid_unknown_fields=True):
    """A change to some of the profile; fields left out keep their value."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    time_zone: str | msgspec.UnsetType = msgspec.UNSET
    currency: str | msgspec.UnsetType = msgspec.UNSET
    greeting_message: str | msgspec.UnsetType = msgspec.UNSET
    away_message: str | msgspec.UnsetType = msgspec.UNSET
    allow_group_chats: bool | msgspec.UnsetType = msgspec.UNSET
    keep_deleted_text: bool | msgspec.UnsetType = msgspec.UNSET


async def business_profile(actor: Actor) -> BusinessProfile:
    """The tenant's profile and its opening hours (an empty list: always open).

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    tenant = await Tenant.objects().where(Tenant.id == actor.scope.tenant_id).first()
    if tenant is None:
        raise Invalid("this business no longer exists.")
    rows = await actor.scope.select(WorkingHours).order_by(WorkingHours.weekday)
    return BusinessProfile(
        name=tenant.name,
        time_zone=tenant.time_zone,
        currency=tenant.currency,
        greeting_message=tenant.greeting_message,
        away_message=tenant.away_message,
        allow_group_chats=tenant.allow_group_chats,
        keep_deleted_text=tenant.keep_deleted_text,
        hours=[DayHours(r["weekday"], r["opens"], r["closes"], bool(r["closed"])) for r in rows],
    )


async def update_profile(actor: Actor, change: ProfileIn) -> BusinessProfile:
    """Apply a change; audited with the fields it touched.

    The currency may be given only as it is: a new one re-prices every service
    (``orders.currency.change_currency``), never silently.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: a value is wrong; ``field`` names it.
        Conflict: a new currency (``CURRENCY_NEEDS_REPRICING``); the message says how.
    """
    actor.require(Role.TENANT_ADMIN)
    values = {
        name: getattr(change, name)
        for name in change.__struct_fields__
        if getattr(change, name) is not msgspec.UNSET
    }
    cleaned = {name: _clean(name, value) for name, value in values.items()}
    if "currency" in cleaned:
        await _refuse_currency_change(actor, str(cleaned.pop("currency")))
    if cleaned:
        await Tenant.update({getattr(Tenant, k): v for k, v in cleaned.items()}).where(
            Tenant.id == actor.scope.tenant_id
        )
        await audit.record(actor, "settings.profile_changed", fields=sorted(cleaned))
    return await business_profile(actor)


async def _refuse_currency_change(actor: Actor, currency: str) -> None:
    row = await Tenant.select(Tenant.currency).where(Tenant.id == actor.scope.tenant_id).first()
    current = str(row["currency"]) if row else currency
    if currency != current:
        raise Conflict(
            f"changing the currency from {current} to {currency} re-prices every service: "
            "use Settings → Currency, or POST /api/v1/settings/currency with the new "
            "currency and a price for each service.",
            code="CURRENCY_NEEDS_REPRICING",
            field="currency",
        )


async def set_working_hours(actor: Actor, days: list[DayHours]) -> BusinessProfile:
    """Replace the opening hours; weekdays left out are closed, an empty list means always open.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: a weekday twice or out of range, or a time not HH:MM.
    """
    actor.require(Role.TENANT_ADMIN)
    checked = _checked_days(days)
    scope = actor.scope
    async with atomic():
        await scope.delete(WorkingHours)
        if checked:
            given = {day.weekday: day for day in checked}
            for weekday in range(7):
                day = given.get(weekday, DayHours(weekday, closed=True))
                await scope.new(
                    WorkingHours,
                    weekday=weekday,
                    opens=day.opens,
                    closes=day.closes,
                    closed=day.closed,
                ).save()
    await audit.record(actor, "settings.hours_changed", days=len(checked))
    return await business_profile(actor)


def _checked_days(days: list[DayHours]) -> list[DayHours]:
    seen: set[int] = set()
    for day in days:
        if not 0 <= day.weekday <= 6 or day.weekday in seen:
            raise Invalid("each weekday (0 = Monday … 6 = Sunday) at most once.", field="hours")
        seen.add(day.weekday)
        for label, value in (("opens", day.opens), ("closes", day.closes)):
            if not CLOCK.match(value):
                raise Invalid(
                    f"{WEEKDAY_NAMES[day.weekday]} {label} at {value!r}: use HH:MM, e.g. 09:30.",
                    field="hours",
                )
        if not day.closed and time.fromisoformat(day.opens) == time.fromisoformat(day.closes):
            raise Invalid(
                f"{WEEKDAY_NAMES[day.weekday]} opens and closes at the same time; mark it closed.",
                field="hours",
            )
    return days


def _clean(name: str, value: object) -> object:
    if name == "name":
        text = " ".join(str(value).split())
        if not 1 <= len(text) <= 120:
            raise Invalid("the business name has 1 to 120 characters.", field="name")
        return text
    if name == "time_zone":
        return check_time_zone(str(value).strip())
    if name == "currency":
        return normalise_currency(str(value))
    if name in ("greeting_message", "away_message"):
        text = str(value).strip()
        if len(text) > MAX_TEXT:
            raise Invalid(f"at most {MAX_TEXT} characters (empty: not sent).", field=name)
        return text
    return bool(value)

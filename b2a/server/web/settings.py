"""Settings: the business profile, opening hours and the assistant (tenant admins).

Three forms on one page, each saved by its own route through the functions the
REST API uses (``tenants.profile``, ``assistant.config``); a refused value comes
back next to its field with what was typed. The operator's switches and an
overdue payment, which stop the assistant whatever these settings say, are
shown above the assistant's form.
"""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post

from b2a.assistant import config
from b2a.assistant.config import ORDER_FIELDS, AssistantSettings, AssistantSettingsIn
from b2a.assistant.shapes import Intent
from b2a.catalog.money import CURRENCIES
from b2a.catalog.service import list_services
from b2a.errors import B2AError, Invalid
from b2a.orders import currency
from b2a.orders.currency import CurrencyChange
from b2a.server.flash import flash
from b2a.server.web._pages import current_actor, form_data, form_error, page, redirect
from b2a.tenants import profile
from b2a.tenants.hours import WEEKDAY_NAMES
from b2a.tenants.locale import time_zones
from b2a.tenants.profile import BusinessProfile, DayHours, ProfileIn
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
SETTINGS = {"area": Area.SETTINGS}
TEMPLATE = "settings/index.html"
PAGE = "/app/settings"
PROFILE_TEXTS = ("name", "time_zone", "greeting_message", "away_message")
PROFILE_SWITCHES = ("allow_group_chats", "keep_deleted_text")
CURRENCY_TEMPLATE = "settings/currency.html"
ASSISTANT_TEXTS = ("threshold", "fallback_text", "handoff_text", "prohibited_phrases")
INTENTS = tuple(i.value for i in Intent if i is not Intent.UNKNOWN)
_KEYWORD_SEPARATORS = re.compile(r"[,\n]")


def _hour_rows(hours: list[DayHours]) -> list[dict[str, Any]]:
    """One row per weekday for the form; a day not stored shows the usual 09:00 to 17:00."""
    stored = {day.weekday: day for day in hours}
    rows = []
    for weekday, name in enumerate(WEEKDAY_NAMES):
        day = stored.get(weekday, DayHours(weekday))
        rows.append({"weekday": weekday, "name": name, **_day_fields(day)})
    return rows


def _day_fields(day: DayHours) -> dict[str, Any]:
    return {"opens": day.opens, "closes": day.closes, "closed": day.closed}


def _assistant_fields(settings: AssistantSettings) -> dict[str, Any]:
    """The assistant's settings as the form shows them (lists as lines or commas)."""
    return {
        "enabled": settings.enabled,
        "threshold": f"{settings.threshold:g}",
        "fallback_text": settings.fallback_text,
        "handoff_text": settings.handoff_text,
        "prohibited_phrases": "\n".join(settings.prohibited_phrases),
        "keywords": {i: ", ".join(settings.intent_keywords.get(i, [])) for i in INTENTS},
        "required_order_fields": settings.required_order_fields,
    }


async def _context(request: AnyRequest, **overrides: Any) -> dict[str, Any]:
    """The page's three forms filled from the stored settings, unless ``overrides`` says."""
    actor = await current_actor(request)
    business: BusinessProfile = await profile.business_profile(actor)
    assistant = await config.assistant_settings(actor)
    services = await list_services(actor)
    context: dict[str, Any] = {
        "profile": business,
        "currency": business.currency,
        "currencies": sorted(CURRENCIES),
        "stragglers": [s for s in services if s.currency != business.currency],
        "always_open": not business.hours,
        "hour_rows": _hour_rows(business.hours),
        "assistant": _assistant_fields(assistant),
        "notices": await config.assistant_notices(actor),
        "time_zones": time_zones(),
        "intents": INTENTS,
        "order_fields": ORDER_FIELDS,
    }
    return {**context, **overrides}


@get(PAGE, opt=SETTINGS, name="settings")
async def settings_page(request: AnyRequest) -> Response[Any]:
    """The profile, hours and assistant forms."""
    return await page(request, TEMPLATE, **await _context(request))


@post(f"{PAGE}/profile", opt=SETTINGS)
async def save_profile(request: AnyRequest) -> Response[Any]:
    """Name, zone, greeting and away messages, group chats, deleted messages (not the currency)."""
    values = await form_data(request)
    texts = {name: values.get(name, "") for name in PROFILE_TEXTS}
    switches = {name: name in values for name in PROFILE_SWITCHES}
    change = msgspec.convert({**texts, **switches}, ProfileIn)
    try:
        await profile.update_profile(await current_actor(request), change)
    except B2AError as exc:
        shown = {**texts, **switches}
        return await form_error(request, TEMPLATE, exc, **await _context(request, profile=shown))
    await flash(request, "The business profile is saved.")
    return redirect(request, PAGE)


@get(f"{PAGE}/currency", opt=SETTINGS, name="settings-currency")
async def currency_page(request: AnyRequest) -> Response[Any]:
    """Every service with its price today and a box for its price in the chosen currency."""
    actor = await current_actor(request)
    chosen = request.query_params.get("to", "")
    try:
        plan = await currency.repricing_plan(actor, chosen)
    except B2AError as exc:
        return await form_error(request, TEMPLATE, exc, **await _context(request))
    typed = {str(line.id): line.new_price for line in plan.services}
    return await page(request, CURRENCY_TEMPLATE, plan=plan, typed=typed)


@post(f"{PAGE}/currency", opt=SETTINGS)
async def change_currency(request: AnyRequest) -> Response[Any]:
    """Switch the currency and every price at once; a missing price shows next to its service."""
    actor = await current_actor(request)
    values = await form_data(request)
    chosen = values.get("currency", "")
    typed = {key.removeprefix("price-"): v for key, v in values.items() if key.startswith("price-")}
    try:
        done = await currency.change_currency(actor, CurrencyChange(chosen, _prices(typed)))
    except B2AError as exc:
        plan = await currency.repricing_plan(actor, chosen)
        return await form_error(request, CURRENCY_TEMPLATE, exc, plan=plan, typed=typed)
    count = len(done.services)
    await flash(
        request,
        f"The business now prices in {done.currency}: "
        f"{count} service{'' if count == 1 else 's'} re-priced.",
    )
    return redirect(request, "/app/services")


def _prices(typed: dict[str, str]) -> dict[UUID, str]:
    try:
        return {UUID(key): value for key, value in typed.items()}
    except ValueError:
        raise Invalid(
            "a price on the form names no service; open the page again.", field="prices"
        ) from None


@post(f"{PAGE}/hours", opt=SETTINGS)
async def save_hours(request: AnyRequest) -> Response[Any]:
    """The opening hours per weekday; "always open" stores none."""
    values = await form_data(request)
    always_open = "always_open" in values
    days = [
        DayHours(
            weekday,
            opens=values.get(f"opens-{weekday}", ""),
            closes=values.get(f"closes-{weekday}", ""),
            closed=f"closed-{weekday}" in values,
        )
        for weekday in range(len(WEEKDAY_NAMES))
    ]
    try:
        await profile.set_working_hours(await current_actor(request), [] if always_open else days)
    except B2AError as exc:
        rows = [{**row, **_day_fields(day)} for row, day in zip(_hour_rows([]), days, strict=True)]
        context = await _context(request, always_open=always_open, hour_rows=rows)
        return await form_error(request, TEMPLATE, exc, **context)
    await flash(request, "The opening hours are saved.")
    return redirect(request, f"{PAGE}#hours")


@post(f"{PAGE}/assistant", opt=SETTINGS)
async def save_assistant(request: AnyRequest) -> Response[Any]:
    """On/off, threshold, texts, prohibited phrases, keywords per intent, order fields."""
    form = await request.form()
    values = await form_data(request)
    fields = [str(f) for f in form.getall("required_order_fields", [])]
    shown = {
        **{name: values.get(name, "") for name in ASSISTANT_TEXTS},
        "enabled": "enabled" in values,
        "keywords": {i: values.get(f"keywords-{i}", "") for i in INTENTS},
        "required_order_fields": fields,
    }
    try:
        change = AssistantSettingsIn(
            enabled="enabled" in values,
            threshold=_threshold(values.get("threshold", "")),
            fallback_text=values.get("fallback_text", ""),
            handoff_text=values.get("handoff_text", ""),
            prohibited_phrases=values.get("prohibited_phrases", "").splitlines(),
            intent_keywords={i: _keywords(values.get(f"keywords-{i}", "")) for i in INTENTS},
            required_order_fields=fields,
        )
        await config.update_assistant_settings(await current_actor(request), change)
    except B2AError as exc:
        context = await _context(request, assistant=shown)
        return await form_error(request, TEMPLATE, exc, **context)
    await flash(request, "The assistant's settings are saved; the next customer message obeys.")
    return redirect(request, f"{PAGE}#assistant")


def _threshold(raw: str) -> float:
    try:
        return float(raw.strip().replace(",", "."))
    except ValueError:
        raise Invalid(
            "the confidence threshold is a number such as 0.85.", field="threshold"
        ) from None


def _keywords(raw: str) -> list[str]:
    return [word.strip() for word in _KEYWORD_SEPARATORS.split(raw) if word.strip()]


HANDLERS = [settings_page, save_profile, currency_page, change_currency, save_hours, save_assistant]

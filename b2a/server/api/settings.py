"""``/api/v1/settings``: the business profile, opening hours and the assistant (tenant admins)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post, put
from litestar.params import JSONBody, QueryParameter

from b2a.assistant import config
from b2a.assistant.config import AssistantSettings, AssistantSettingsIn
from b2a.orders import currency
from b2a.orders.currency import CurrencyChange, CurrencyChanged, RepricingPlan
from b2a.server.params import ActorDep
from b2a.tenants import profile
from b2a.tenants.profile import BusinessProfile, DayHours, ProfileIn
from b2a.tenants.rules import Area


class SettingsController(Controller):
    """Only tenant admins read or change settings; staff get 403."""

    path = "/settings"
    opt = {"area": Area.SETTINGS}
    tags = ["settings"]

    @get("/profile", summary="The business profile and opening hours")
    async def get_profile(self, actor: ActorDep) -> BusinessProfile:
        """Name, time zone, currency, greeting and away messages, hours (empty: always open)."""
        return await profile.business_profile(actor)

    @patch("/profile", summary="Change the business profile")
    async def update_profile(self, actor: ActorDep, data: JSONBody[ProfileIn]) -> BusinessProfile:
        """Fields left out keep their value; an empty greeting or away message is not sent.

        ``currency`` may only repeat the current one: a new currency is 409
        ``CURRENCY_NEEDS_REPRICING``, since it goes through ``POST /settings/currency``.
        """
        return await profile.update_profile(actor, data)

    @get("/currency", summary="What changing the currency re-prices")
    async def repricing_plan(
        self, actor: ActorDep, to: Annotated[str, QueryParameter(name="to")]
    ) -> RepricingPlan:
        """Every service with its price today (and the price kept, if already in ``to``)."""
        return await currency.repricing_plan(actor, to)

    @post("/currency", summary="Change the currency, re-pricing every service", status_code=200)
    async def change_currency(
        self, actor: ActorDep, data: JSONBody[CurrencyChange]
    ) -> CurrencyChanged:
        """All or nothing: the business, every service and every draft order move together.

        ``prices`` maps each service id to its new price (a decimal string); a
        service already in the new currency may be left out and keeps its price.
        A missing or bad price is 422 with ``field`` = ``price-<service id>``.
        """
        return await currency.change_currency(actor, data)

    @put("/hours", summary="Replace the opening hours")
    async def set_hours(self, actor: ActorDep, data: JSONBody[list[DayHours]]) -> BusinessProfile:
        """Weekdays left out are closed; an empty list means always open."""
        return await profile.set_working_hours(actor, data)

    @get("/assistant", summary="The assistant's settings")
    async def get_assistant(self, actor: ActorDep) -> AssistantSettings:
        """On/off, confidence threshold, fallback and hand-off texts, phrases, keywords, fields."""
        return await config.assistant_settings(actor)

    @patch("/assistant", summary="Change the assistant's settings")
    async def update_assistant(
        self, actor: ActorDep, data: JSONBody[AssistantSettingsIn]
    ) -> AssistantSettings:
        """Applies to the next customer message; fields left out keep their value."""
        return await config.update_assistant_settings(actor, data)

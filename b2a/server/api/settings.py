"""``/api/v1/settings``: the business profile, opening hours and the assistant (tenant admins)."""

from __future__ import annotations

from litestar import Controller, get, patch, put

from b2a.assistant import config
from b2a.assistant.config import AssistantSettings, AssistantSettingsIn
from b2a.tenants import profile
from b2a.tenants.actor import Actor
from b2a.tenants.profile import BusinessProfile, DayHours, ProfileIn
from b2a.tenants.rules import Area


class SettingsController(Controller):
    """Only tenant admins read or change settings; staff get 403."""

    path = "/settings"
    opt = {"area": Area.SETTINGS}
    tags = ["settings"]

    @get("/profile", summary="The business profile and opening hours")
    async def get_profile(self, actor: Actor) -> BusinessProfile:
        """Name, time zone, currency, greeting and away messages, hours (empty: always open)."""
        return await profile.business_profile(actor)

    @patch("/profile", summary="Change the business profile")
    async def update_profile(self, actor: Actor, data: ProfileIn) -> BusinessProfile:
        """Fields left out keep their value; an empty greeting or away message is not sent."""
        return await profile.update_profile(actor, data)

    @put("/hours", summary="Replace the opening hours")
    async def set_hours(self, actor: Actor, data: list[DayHours]) -> BusinessProfile:
        """Weekdays left out are closed; an empty list means always open."""
        return await profile.set_working_hours(actor, data)

    @get("/assistant", summary="The assistant's settings")
    async def get_assistant(self, actor: Actor) -> AssistantSettings:
        """On/off, confidence threshold, fallback and hand-off texts, phrases, keywords, fields."""
        return await config.assistant_settings(actor)

    @patch("/assistant", summary="Change the assistant's settings")
    async def update_assistant(self, actor: Actor, data: AssistantSettingsIn) -> AssistantSettings:
        """Applies to the next customer message; fields left out keep their value."""
        return await config.update_assistant_settings(actor, data)

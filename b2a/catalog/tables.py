"""The catalogue: what the tenant sells, at which fixed price."""

from __future__ import annotations

from piccolo.columns import JSON, Boolean, Integer, Text, Varchar

from b2a.tenants.tables import TenantRecord


class Service(TenantRecord):
    """A product or service at a fixed price in integer minor units (cents, paisa)."""

    name = Varchar(length=120)
    sku = Varchar(
        length=100,
        default="",
        help_text="its content ID in the WhatsApp catalogue (Commerce Manager); unique when set",
    )
    description = Text(default="")
    price_minor = Integer()
    currency = Varchar(length=3, default="USD")
    synonyms = JSON(default=[], help_text="other words customers use for it")
    duration_minutes = Integer(null=True, default=None, help_text="how long it takes, if set")
    is_active = Boolean(default=True, index=True)
    display_order = Integer(default=0)


class FaqEntry(TenantRecord):
    """A question the tenant has answered once, for the assistant to reuse."""

    question = Text()
    answer = Text()
    synonyms = JSON(default=[], help_text="other ways customers ask it")
    is_active = Boolean(default=True)
    display_order = Integer(default=0)

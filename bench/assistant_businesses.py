"""The demo businesses the assistant evaluations answer for (``data/assistant_businesses.json``).

A salon in PKR that books appointments, an online tutor in USD whose orders
need neither a time nor an address, and a print shop in PKR that delivers. Each
holds what the product gives the assistant for a tenant: services (with
synonyms, descriptions and durations), FAQ with the other ways customers ask
it, prohibited phrases, the weekly opening hours in its time zone, what an
order request needs (``Tenant.orders_need``) and the customer details it
requires (``AssistantConfig.required_order_fields``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

from b2a.assistant.shapes import CatalogItem, CatalogView, FaqItem
from b2a.orders.rules import OrdersNeed
from b2a.tenants.hours import Day

DATA = Path(__file__).resolve().parent / "data"
BUSINESSES = DATA / "assistant_businesses.json"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Business:
    """A demo tenant: what the assistant may sell and the settings its turn reads."""

    catalog: CatalogView
    hours: str
    humans_back: str
    prohibited: tuple[str, ...]
    time_zone: str = "UTC"
    opening: tuple[Day, ...] = ()
    orders_need: OrdersNeed = OrdersNeed.ADDRESS
    required_fields: tuple[str, ...] = ("name", "phone", "address")


def load_businesses(path: Path = BUSINESSES) -> dict[str, Business]:
    """The demo businesses, with ids derived from their names so runs compare."""
    raw = json.loads(path.read_text())
    return {key: _business(key, spec) for key, spec in raw.items()}


def _business(key: str, spec: dict) -> Business:
    services = tuple(
        CatalogItem(
            uuid5(NAMESPACE_URL, f"{key}/service/{s['name']}"),
            s["name"],
            s["price_minor"],
            s["currency"],
            s.get("description", ""),
            tuple(s.get("synonyms", ())),
            s.get("duration_minutes"),
        )
        for s in spec["services"]
    )
    faq = tuple(
        FaqItem(
            uuid5(NAMESPACE_URL, f"{key}/faq/{f['question']}"),
            f["question"],
            f["answer"],
            tuple(f.get("synonyms", ())),
        )
        for f in spec["faq"]
    )
    return Business(
        CatalogView(spec["name"], services, faq),
        spec.get("hours", ""),
        spec.get("humans_back", ""),
        tuple(spec.get("prohibited", ())),
        spec.get("time_zone", "UTC"),
        _opening(spec.get("opening", {})),
        OrdersNeed(spec.get("orders_need", OrdersNeed.ADDRESS)),
        tuple(spec.get("required_fields", ("name", "phone", "address"))),
    )


def _opening(days: dict[str, list[str] | None]) -> tuple[Day, ...]:
    """``{"mon": ["10:00", "20:00"], "sun": null}`` as the product's weekdays (null: closed)."""
    opening = []
    for weekday, name in enumerate(WEEKDAYS):
        if name not in days:
            continue
        hours = days[name]
        if hours is None:
            opening.append(Day(weekday, time(0, 0), time(0, 0), closed=True))
        else:
            opening.append(Day(weekday, time.fromisoformat(hours[0]), time.fromisoformat(hours[1])))
    return tuple(opening)

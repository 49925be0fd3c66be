"""States of templates and scheduled messages; when paced messages will leave."""

from __future__ import annotations

import heapq
import re
from collections.abc import Mapping
from enum import StrEnum

from b2a.errors import Invalid


class TemplateSource(StrEnum):
    """Local templates are ours; Meta templates are synced from the Cloud API."""

    LOCAL = "local"
    META = "meta"


class MetaTemplateStatus(StrEnum):
    """Approval status of a Meta template; only APPROVED ones may be sent."""

    APPROVED = "APPROVED"
    PENDING = "PENDING"
    REJECTED = "REJECTED"
    PAUSED = "PAUSED"
    DISABLED = "DISABLED"


class ScheduleStatus(StrEnum):
    """A scheduled message is SENT or FAILED only once the send really succeeded or failed."""

    PENDING = "PENDING"
    SENT = "SENT"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"


# Local templates name their variables ({{name}}); Meta's number them ({{1}}).
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_]+)\s*\}\}")


def template_variables(body: str) -> list[str]:
    """Placeholder names in order of first appearance (``{{ name }}`` or ``{{name}}``)."""
    seen: dict[str, None] = {}
    for match in PLACEHOLDER.finditer(body):
        seen.setdefault(match.group(1), None)
    return list(seen)


def meta_parameter_order(body: str) -> list[str]:
    """Placeholders in the order Meta's API wants their values: by number for {{1}}, {{2}}."""
    names = template_variables(body)
    if all(name.isdigit() for name in names):
        return sorted(names, key=int)
    return names


def render_template(body: str, values: Mapping[str, str]) -> str:
    """Fill every placeholder; a missing or unknown variable is an error, never a blank.

    Values are inserted verbatim and never re-scanned, so a value containing
    ``{{x}}`` cannot inject another placeholder.

    Raises:
        Invalid: variables are missing, unknown, or empty; the message names them.
    """
    wanted = template_variables(body)
    missing = [name for name in wanted if not str(values.get(name, "")).strip()]
    unknown = sorted(set(values) - set(wanted))
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"missing: {', '.join(missing)}")
        if unknown:
            parts.append(f"not in the template: {', '.join(unknown)}")
        raise Invalid(f"template variables {'; '.join(parts)}.", field="variables")
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), body)


def departures(
    ages: list[float], *, limit: int, window: float, count: int, first: float
) -> list[float]:
    """Seconds from now until each of ``count`` queued messages leaves, first in line first.

    ``ages`` says how long ago each slot still in the limit's window was taken;
    a slot frees ``window`` seconds after it was taken and is taken again at
    once by the next message in line, which leaves no earlier than the one
    before it. ``first`` is the head's own wait (another limit may hold it
    longer). An estimate: it assumes nothing else takes the slots meanwhile.
    """
    if limit <= 0:
        return [max(0.0, first)] * count
    # The window holds at most ``limit`` live slots; older ones have already freed.
    live = sorted(window - age for age in ages if age < window)
    free = live[max(0, len(live) - limit) :]
    free += [0.0] * (limit - len(free))
    heapq.heapify(free)
    leaving: list[float] = []
    previous = max(0.0, first)
    for _ in range(count):
        previous = max(heapq.heappop(free), previous)
        leaving.append(previous)
        heapq.heappush(free, previous + window)
    return leaving

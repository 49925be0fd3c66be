"""What every admin page shares: the route options and reading checkboxes."""

from __future__ import annotations

from typing import Any

from litestar import Request

from b2a.errors import Invalid
from b2a.tenants.rules import Area

AnyRequest = Request[Any, Any, Any]
ADMIN: dict[str, Any] = {"area": Area.ADMIN, "tenant_optional": True}


def checked(values: dict[str, str], name: str) -> bool:
    """Whether a checkbox was ticked (browsers send nothing for an unticked one)."""
    return values.get(name) == "on"


def whole_number(values: dict[str, str], name: str, default: str = "") -> int:
    """A form field as a whole number; an unusable one is reported on its field."""
    raw = values.get(name, "").strip() or default
    try:
        return int(raw)
    except ValueError:
        raise Invalid("enter a whole number.", field=name) from None

"""One line of ``b2a doctor``'s report, shared by every module of checks."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    level: str  # ok, warn or fail
    detail: str
    fix: str = ""

    @property
    def ok(self) -> bool:
        """Whether this check lets the appliance run (warnings do)."""
        return self.level != "fail"

"""API inputs for the team and account links (the outputs are the domain's dataclasses)."""

from __future__ import annotations

import msgspec

from b2a.tenants.rules import Role


class InvitationIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whom to invite, and as what (TENANT_ADMIN or STAFF)."""

    email: str
    role: Role = Role.STAFF
    name: str = ""


class ResetLinkIn(msgspec.Struct, forbid_unknown_fields=True):
    """Whose password a super admin makes a reset link for."""

    email: str

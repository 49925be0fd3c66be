"""Who is acting: the identity every service function receives."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from b2a.errors import Forbidden
from b2a.tenants.rules import ACCESS, Area, Role
from b2a.tenants.scope import TenantScope


@dataclass(frozen=True)
class Actor:
    """A user (or the operator at the CLI) acting, possibly on behalf of one tenant."""

    user_id: UUID | None
    role: Role
    tenant_id: UUID | None
    label: str = ""
    ip: str = ""

    @classmethod
    def operator(cls, label: str = "cli") -> Actor:
        """The super admin at the command line."""
        return cls(user_id=None, role=Role.SUPER_ADMIN, tenant_id=None, label=label)

    @property
    def is_super_admin(self) -> bool:
        """Whether the actor may act across tenants."""
        return self.role is Role.SUPER_ADMIN

    @property
    def scope(self) -> TenantScope:
        """The tenant scope every query of this actor goes through.

        Raises:
            Forbidden: the actor is not acting inside a tenant.
        """
        if self.tenant_id is None:
            raise Forbidden("this action needs a tenant; choose one first.")
        return TenantScope(self.tenant_id)

    def within(self, tenant_id: UUID) -> Actor:
        """A super admin acting inside one tenant (the admin panel, the CLI)."""
        if not self.is_super_admin:
            raise Forbidden("only a super admin can act for another tenant.")
        return Actor(self.user_id, self.role, tenant_id, self.label, self.ip)

    def may(self, area: Area) -> bool:
        """Whether the actor's role may use ``area`` (the one table: ``rules.ACCESS``)."""
        return self.is_super_admin or self.role in ACCESS[area]

    def require_area(self, area: Area) -> None:
        """Refuse unless the actor's role may use ``area``.

        Raises:
            Forbidden: the area is not for this role.
        """
        if not self.may(area):
            if not ACCESS[area]:
                raise Forbidden("the admin panel is for the platform's operator.")
            raise Forbidden(f"the {area.value} area is for tenant admins.")

    def require(self, *roles: Role) -> None:
        """Refuse unless the actor holds one of ``roles`` (super admins always pass).

        Raises:
            Forbidden: the actor's role is not among ``roles``.
        """
        if self.is_super_admin or self.role in roles:
            return
        raise Forbidden("your role does not allow this.")

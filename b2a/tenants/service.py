"""Creating and managing tenants and their users."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from b2a.audit import service as audit
from b2a.billing.plans import apply_plan, ensure_free_plan
from b2a.db.integrity import save_unique
from b2a.db.keyset import contains
from b2a.db.transaction import atomic
from b2a.errors import Conflict, Forbidden, Invalid, NotFound
from b2a.lib import clock
from b2a.tenants.actor import Actor
from b2a.tenants.locale import business_locale
from b2a.tenants.passwords import check_strength, generate_password, hash_password
from b2a.tenants.rules import NO_PASSWORD, Role, TenantStatus, slugify
from b2a.tenants.sessions import close_user_sessions
from b2a.tenants.tables import Tenant, User

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class TenantSummary:
    """A tenant as the operator sees it in lists."""

    id: UUID
    name: str
    slug: str
    status: str
    users: int
    created_at: str


@dataclass(frozen=True)
class NewLogin:
    """Credentials created for someone; the password is shown once and never stored."""

    user_id: UUID
    email: str
    password: str | None


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed email address.

    Raises:
        Invalid: it does not look like an email address.
    """
    cleaned = email.strip().lower()
    if not EMAIL.match(cleaned):
        raise Invalid(f"{email!r} is not an email address.", field="email")
    return cleaned


def business_name(name: str, *, field: str = "name") -> str:
    """A business's name, trimmed.

    Raises:
        Invalid: empty, or longer than 120 characters (naming ``field``, the form's own).
    """
    if not name.strip() or len(name.strip()) > 120:
        raise Invalid("a business name needs 1 to 120 characters.", field=field)
    return name.strip()


async def find_account(address: str) -> User | None:
    """The account that signs in with ``address`` (normalised), if any.

    Invited members who have not joined are not accounts: the same address may
    be invited by several businesses while it has no account, or has one elsewhere.
    """
    return await (
        User.objects().where((User.email == address) & (User.password_hash != NO_PASSWORD)).first()
    )


async def _unique_slug(name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while await Tenant.exists().where(Tenant.slug == slug).run():
        n += 1
        slug = f"{base}-{n}"
    return slug


async def create_tenant(
    actor: Actor,
    name: str,
    *,
    admin_email: str,
    admin_password: str | None = None,
    time_zone: str = "UTC",
    currency: str = "",
) -> tuple[Tenant, NewLogin]:
    """Create a tenant and its first TENANT_ADMIN.

    Without ``admin_password`` a random one is generated and returned once;
    without ``currency`` the tenant prices in its time zone's country's currency.

    Raises:
        Forbidden: the actor is not a super admin.
        Invalid: bad name, email, password, time zone or currency.
        Conflict: the email already has an account.
    """
    if not actor.is_super_admin:
        raise Forbidden("only a super admin can create tenants.")
    tenant, login = await open_tenant(
        name,
        admin_email=admin_email,
        admin_password=admin_password,
        time_zone=time_zone,
        currency=currency,
    )
    await audit.record(actor, "tenant.created", tenant_id=tenant.id, name=tenant.name)
    await audit.record(
        actor, "user.created", tenant_id=tenant.id, email=login.email, role=Role.TENANT_ADMIN.value
    )
    return tenant, login


async def open_tenant(
    name: str,
    *,
    admin_email: str,
    admin_password: str | None = None,
    time_zone: str = "UTC",
    currency: str = "",
) -> tuple[Tenant, NewLogin]:
    """Store a new tenant on the free plan, and its first TENANT_ADMIN; callers check and audit.

    An empty ``currency`` is the one of the time zone's country (``locale``).

    Raises:
        Invalid: bad name, email, time zone, currency or password.
        Conflict: the email already has an account (``EMAIL_EXISTS``).
    """
    cleaned = business_name(name)
    zone, money = business_locale(time_zone, currency)
    email = normalise_email(admin_email)
    generated = admin_password is None
    secret = generate_password() if admin_password is None else admin_password
    check_strength(secret, email=email)
    if await find_account(email) is not None:
        raise Conflict(f"{email} already has an account.", code="EMAIL_EXISTS")
    password_hash = await hash_password(secret)
    free = await ensure_free_plan()
    async with atomic():
        tenant = Tenant(
            name=cleaned, slug=await _unique_slug(cleaned), time_zone=zone, currency=money
        )
        await tenant.save()
        await apply_plan(tenant.id, free)
        user = await save_user(tenant.id, email, password_hash, Role.TENANT_ADMIN)
    return tenant, NewLogin(user.id, email, secret if generated else None)


async def save_user(
    tenant_id: UUID | None, email: str, password_hash: str, role: Role, name: str = ""
) -> User:
    """Insert a user row (email already normalised).

    Raises:
        Conflict: the email already has an account (``EMAIL_EXISTS``).
    """
    user = User(tenant=tenant_id, email=email, name=name, role=role, password_hash=password_hash)
    await save_unique(user, Conflict(f"{email} already has an account.", code="EMAIL_EXISTS"))
    return user


async def list_tenants(*, include_deleted: bool = False, search: str = "") -> list[TenantSummary]:
    """Every tenant (whose name or slug contains ``search``) with its user count, newest first."""
    query = Tenant.select().order_by(Tenant.created_at, ascending=False)
    if not include_deleted:
        query = query.where(Tenant.status != TenantStatus.DELETED)
    if search.strip():
        query = query.where(
            contains(Tenant.name, search.strip()) | contains(Tenant.slug, search.strip())
        )
    tenants = await query.run()
    counts = await User.select(User.tenant).where(User.tenant.is_not_null()).run()
    per_tenant: dict[UUID, int] = {}
    for row in counts:
        per_tenant[row["tenant"]] = per_tenant.get(row["tenant"], 0) + 1
    return [
        TenantSummary(
            id=t["id"],
            name=t["name"],
            slug=t["slug"],
            status=t["status"],
            users=per_tenant.get(t["id"], 0),
            created_at=t["created_at"].isoformat(timespec="seconds"),
        )
        for t in tenants
    ]


async def find_tenant(ref: str) -> Tenant:
    """A tenant by id or slug (the operator types either).

    Raises:
        NotFound: no tenant has that id or slug.
    """
    query = Tenant.objects()
    try:
        tenant = await query.where(Tenant.id == UUID(ref)).first()
    except ValueError:
        tenant = await query.where(Tenant.slug == ref).first()
    if tenant is None:
        raise NotFound(f"no tenant {ref!r}; `b2a tenant list` shows them.")
    return tenant


async def set_tenant_status(actor: Actor, tenant_id: UUID, status: TenantStatus) -> Tenant:
    """Suspend, reactivate or soft-delete a tenant; its data is kept.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no such tenant.
    """
    if not actor.is_super_admin:
        raise Forbidden("only a super admin can change a tenant's status.")
    tenant = await find_tenant(str(tenant_id))
    tenant.status = status
    tenant.deleted_at = clock.now() if status is TenantStatus.DELETED else None
    await tenant.save([Tenant.status, Tenant.deleted_at])
    await audit.record(actor, f"tenant.{status.lower()}", tenant_id=tenant.id)
    return tenant


async def create_user(
    actor: Actor,
    email: str,
    *,
    password: str | None = None,
    role: Role = Role.STAFF,
    name: str = "",
) -> NewLogin:
    """Create a user in the actor's tenant (or a super admin, for super admins only).

    Raises:
        Forbidden: the actor may not grant this role.
        Invalid: bad email or weak password.
        Conflict: the email already has an account.
    """
    if role is Role.SUPER_ADMIN and not actor.is_super_admin:
        raise Forbidden("only a super admin can create super admins.")
    if role is not Role.SUPER_ADMIN:
        actor.require(Role.TENANT_ADMIN)
    tenant_id = None if role is Role.SUPER_ADMIN else actor.scope.tenant_id
    address = normalise_email(email)
    generated = password is None
    secret = generate_password() if password is None else password
    check_strength(secret, email=address)
    user = await save_user(tenant_id, address, await hash_password(secret), role, name)
    await audit.record(actor, "user.created", tenant_id=tenant_id, email=address, role=role.value)
    return NewLogin(user_id=user.id, email=address, password=secret if generated else None)


async def reset_password(
    actor: Actor, email: str, *, redis: Any, password: str | None = None
) -> NewLogin:
    """Set a new password for a user (generated when not given) and end their web sessions.

    Raises:
        Forbidden: the actor is not a super admin.
        NotFound: no user has that email.
        Invalid: the password is too weak.
    """
    if not actor.is_super_admin:
        raise Forbidden("only a super admin can reset passwords from here.")
    address = normalise_email(email)
    user = await find_account(address)
    if user is None:
        raise NotFound(f"no user with email {address}.")
    secret = generate_password() if password is None else password
    check_strength(secret, email=address)
    user.password_hash = await hash_password(secret)
    await user.save([User.password_hash])
    await close_user_sessions(redis, user.id)
    await audit.record(actor, "user.password_reset", tenant_id=user.tenant, email=address)
    return NewLogin(user_id=user.id, email=address, password=None if password else secret)


async def has_super_admin() -> bool:
    """Whether the appliance already has an operator account."""
    return bool(await User.exists().where(User.role == Role.SUPER_ADMIN).run())

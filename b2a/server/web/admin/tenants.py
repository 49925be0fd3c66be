"""Tenants: the list with search, creating one with its owner, status changes, erasing, controls.

A soft delete (DELETED) keeps every row and can be undone by activating; the
hard delete (``privacy.tenants.erase_tenant``) erases rows and files for good,
so its form asks for the business's name typed out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from litestar import Response, get, post
from litestar.params import FromPath

from b2a.billing.account import billing_overview
from b2a.catalog.money import CURRENCIES
from b2a.errors import B2AError, Invalid
from b2a.privacy.tenants import erase_tenant
from b2a.server.api._common import media_root
from b2a.server.flash import flash
from b2a.server.web._pages import (
    current_actor,
    form_data,
    form_error,
    link_base,
    page,
    redirect,
)
from b2a.server.web.admin._common import ADMIN, AnyRequest, checked, whole_number
from b2a.server.websession import settings_of
from b2a.tenants import recovery, service
from b2a.tenants.controls import TenantControls, set_tenant_controls, tenant_controls
from b2a.tenants.links import IssuedLink
from b2a.tenants.locale import time_zones
from b2a.tenants.notices import open_notices
from b2a.tenants.overview import workspace
from b2a.tenants.rules import AITier, TenantStatus
from b2a.tenants.team import list_members

PAGE = "/admin/tenants"
LIST = "admin/tenants.html"
DETAIL = "admin/tenant.html"
STATUS_WORDS = {
    TenantStatus.ACTIVE: "is active again",
    TenantStatus.SUSPENDED: "is suspended: its assistant and WhatsApp stop and its team is "
    "logged out until you activate it",
    TenantStatus.DELETED: "is deleted (its data is kept; activate it to undo)",
}


async def _list_context(request: AnyRequest) -> dict[str, Any]:
    search = request.query_params.get("q", "").strip()
    return {
        "tenants": await service.list_tenants(include_deleted=True, search=search),
        "search": search,
        "time_zones": time_zones(),
        "currencies": sorted(CURRENCIES),
    }


@get(PAGE, opt=ADMIN, name="admin-tenants")
async def tenants_page(request: AnyRequest) -> Response[Any]:
    """Every tenant (search by name or slug) and the form to create one."""
    return await page(request, LIST, **await _list_context(request))


@post(PAGE, opt=ADMIN)
async def create_tenant(request: AnyRequest) -> Response[Any]:
    """A new business and its owner; a generated password is shown once."""
    values = await form_data(request)
    try:
        tenant, login = await service.create_tenant(
            await current_actor(request),
            values.get("name", ""),
            admin_email=values.get("email", ""),
            admin_password=values.get("password") or None,
            time_zone=values.get("time_zone", "").strip() or "UTC",
            currency=values.get("currency", ""),
        )
    except B2AError as exc:
        return await form_error(request, LIST, exc, values=values, **await _list_context(request))
    shown = f" Their password, shown only now: {login.password}" if login.password else ""
    await flash(request, f"{tenant.name} is created; its owner logs in as {login.email}.{shown}")
    return redirect(request, f"{PAGE}/{tenant.id}")


async def _detail_context(request: AnyRequest, tenant_id: UUID) -> dict[str, Any]:
    actor = await current_actor(request)
    tenant = await service.find_tenant(str(tenant_id))
    inside = actor.within(tenant.id)
    return {
        "tenant": tenant,
        "controls": tenant_controls(tenant),
        "tiers": [t.value for t in AITier],
        "found": await workspace(inside),
        "billing": await billing_overview(
            inside, reminder_days=settings_of(request).billing.reminder_days
        ),
        "users": await list_members(inside),
        "notices": await open_notices(actor, tenant_id=tenant.id),
        "reset_link": None,
    }


@get(f"{PAGE}/{{tenant_id:uuid}}", opt=ADMIN, name="admin-tenant")
async def tenant_page(request: AnyRequest, tenant_id: FromPath[UUID]) -> Response[Any]:
    """One tenant: status, switches, limits, tier and model, its numbers, plan and usage."""
    return await page(request, DETAIL, **await _detail_context(request, tenant_id))


@post(f"{PAGE}/{{tenant_id:uuid}}/status", opt=ADMIN)
async def change_status(request: AnyRequest, tenant_id: FromPath[UUID]) -> Response[Any]:
    """Suspend, activate or soft-delete."""
    wanted = (await form_data(request)).get("status", "")
    if wanted not in TenantStatus.__members__:
        raise Invalid("choose ACTIVE, SUSPENDED or DELETED.", field="status")
    tenant = await service.set_tenant_status(
        await current_actor(request), tenant_id, TenantStatus(wanted)
    )
    await flash(request, f"{tenant.name} {STATUS_WORDS[TenantStatus(wanted)]}.")
    return redirect(request, f"{PAGE}/{tenant_id}")


def _controls(values: dict[str, str]) -> TenantControls:
    tier = values.get("ai_tier", "")
    if tier not in AITier.__members__:
        raise Invalid("choose one of the tiers.", field="ai_tier")
    return TenantControls(
        ai_enabled=checked(values, "ai_enabled"),
        whatsapp_enabled=checked(values, "whatsapp_enabled"),
        ai_tier=AITier(tier),
        ai_model=values.get("ai_model", ""),
        ai_daily_limit=whole_number(values, "ai_daily_limit"),
        ai_monthly_limit=whole_number(values, "ai_monthly_limit"),
    )


@post(f"{PAGE}/{{tenant_id:uuid}}/controls", opt=ADMIN)
async def change_controls(request: AnyRequest, tenant_id: FromPath[UUID]) -> Response[Any]:
    """The AI and WhatsApp switches, the limits, the tier and a custom model."""
    values = await form_data(request)
    try:
        await set_tenant_controls(await current_actor(request), tenant_id, _controls(values))
    except B2AError as exc:
        context = await _detail_context(request, tenant_id)
        return await form_error(request, DETAIL, exc, values=values, **context)
    await flash(request, "The controls are saved; they apply to the next customer message.")
    return redirect(request, f"{PAGE}/{tenant_id}")


@post(f"{PAGE}/{{tenant_id:uuid}}/erase", opt=ADMIN)
async def erase(request: AnyRequest, tenant_id: FromPath[UUID]) -> Response[Any]:
    """Erase every row and file of the tenant, once its name is typed exactly."""
    actor = await current_actor(request)
    values = await form_data(request)
    tenant = await service.find_tenant(str(tenant_id))
    if values.get("confirm_name", "").strip() != tenant.name:
        exc = Invalid(
            f"type the business's name, {tenant.name}, to erase it for good.",
            field="confirm_name",
        )
        context = await _detail_context(request, tenant_id)
        return await form_error(request, DETAIL, exc, values=values, **context)
    await erase_tenant(actor, tenant.id, media_root=media_root(request.app.state))
    await flash(request, f"{tenant.name} and all its data are erased.")
    return redirect(request, PAGE)


@dataclass(frozen=True)
class _ResetLink:
    email: str
    link: IssuedLink


@post(f"{PAGE}/{{tenant_id:uuid}}/reset-link", opt=ADMIN)
async def create_reset_link(request: AnyRequest, tenant_id: FromPath[UUID]) -> Response[Any]:
    """A one-time reset link for one of the tenant's users, shown once to copy and send."""
    email = (await form_data(request)).get("email", "")
    link = await recovery.create_reset_link(await current_actor(request), link_base(request), email)
    context = await _detail_context(request, tenant_id)
    return await page(
        request,
        DETAIL,
        status=201,
        **{**context, "reset_link": _ResetLink(service.normalise_email(email), link)},
    )


HANDLERS = [
    tenants_page,
    create_tenant,
    tenant_page,
    change_status,
    change_controls,
    erase,
    create_reset_link,
]

"""Message templates: local ones the tenant writes, Meta ones mirrored from the Cloud API.

Meta decides which templates exist and whether they are approved, so a sync
makes our copy match Meta's list: new ones are added, known ones (by Meta's id,
else by name and language) take Meta's body, category and status, and ones
Meta no longer lists become DISABLED rather than vanish, so nothing unapproved
can be sent while past messages keep their history.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import httpx

from b2a.audit import service as audit
from b2a.db.columns import json_value
from b2a.db.integrity import save_unique
from b2a.db.sql import Statement
from b2a.errors import Conflict, Invalid
from b2a.inbox.channels import cloud_credentials
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.outbox.rules import (
    MetaTemplateStatus,
    ScheduleStatus,
    TemplateSource,
    template_variables,
)
from b2a.outbox.schemas import TemplateOut, TemplateSync
from b2a.outbox.tables import MessageTemplate, ScheduledMessage
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudApiClient, MetaTemplate

# Meta's lifecycle words we do not model: none of them may be sent.
_META_STATUS_ALIASES = {"DELETED": "DISABLED", "PENDING_DELETION": "DISABLED"}


def _status_of(meta_status: str) -> MetaTemplateStatus:
    word = _META_STATUS_ALIASES.get(meta_status.upper(), meta_status.upper())
    try:
        return MetaTemplateStatus(word)
    except ValueError:
        return MetaTemplateStatus.PENDING


def _variables(raw: Any) -> list[str]:
    return [str(v) for v in json_value(raw) or []]


def _out(row: Mapping[str, Any]) -> TemplateOut:
    """A template in its API shape, from a row (``MessageTemplate.to_dict()`` or a select)."""
    source, status = row["source"], row["meta_status"]
    return TemplateOut(
        id=row["id"],
        source=source,
        name=row["name"],
        language=row["language"],
        category=row["category"],
        body=row["body"],
        variables=_variables(row["variables"]),
        meta_status=status,
        sendable=source == TemplateSource.LOCAL or status == MetaTemplateStatus.APPROVED,
        synced_at=row["synced_at"],
        quality=row["quality"],
        status_reason=row["status_reason"],
    )


# The composer of every thread lists them (hand-written: Piccolo's objects cost more).
_ALL = Statement(
    "SELECT id, source, name, language, category, body, variables, meta_status, synced_at,"
    " quality, status_reason FROM message_template WHERE tenant = :tenant"
    " ORDER BY source, name, language"
)


async def list_templates(actor: Actor) -> list[TemplateOut]:
    """Every template of the tenant, local first, by name and language."""
    return [_out(row) for row in await actor.scope.fetch(_ALL)]


def _checked(name: str, body: str, language: str) -> tuple[str, str, str]:
    """The name, body and language stripped, or the first one out of bounds."""
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= 80:
        raise Invalid("a template name has 1 to 80 characters.", field="name")
    if not 1 <= len(body.strip()) <= 4096:
        raise Invalid("a template body has 1 to 4096 characters.", field="body")
    if not 1 <= len(language.strip()) <= 12:
        raise Invalid("the language is a code such as en or ur_PK.", field="language")
    return cleaned, body.strip(), language.strip()


async def _save(row: MessageTemplate) -> None:
    taken = f"a template {row.name!r} in {row.language!r} exists already."
    await save_unique(row, Conflict(taken, code="TEMPLATE_EXISTS", field="name"))


async def create_template(
    actor: Actor, name: str, body: str, *, language: str = "en", category: str = ""
) -> TemplateOut:
    """A new local template; its variables are its ``{{placeholders}}``.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: an empty name or body, or one too long.
        Conflict: a local template with this name and language exists.
    """
    actor.require(Role.TENANT_ADMIN)
    cleaned, text, code = _checked(name, body, language)
    row = actor.scope.new(
        MessageTemplate,
        source=TemplateSource.LOCAL,
        name=cleaned,
        language=code,
        category=category.strip()[:20],
        body=text,
        variables=template_variables(text),
    )
    await _save(row)
    await audit.record(actor, "template.created", name=cleaned, language=row.language)
    return _out(row.to_dict())


async def get_template(actor: Actor, template_id: UUID) -> TemplateOut:
    """One template of the tenant.

    Raises:
        NotFound: the template is not this tenant's.
    """
    return _out((await actor.scope.get(MessageTemplate, template_id)).to_dict())


async def _local(actor: Actor, template_id: UUID) -> MessageTemplate:
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(MessageTemplate, template_id)
    if row.source != TemplateSource.LOCAL:
        raise Conflict(
            "Meta's templates are changed in Meta's WhatsApp Manager, then synced.",
            code="META_TEMPLATE",
        )
    return row


async def update_template(
    actor: Actor, template_id: UUID, name: str, body: str, *, language: str = "en"
) -> TemplateOut:
    """Change a local template; messages already sent keep the text they were sent with.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the template is not this tenant's.
        Invalid: an empty name or body, or one too long.
        Conflict: a Meta template, or another local one has this name and language.
    """
    row = await _local(actor, template_id)
    row.name, row.body, row.language = _checked(name, body, language)
    row.variables = json.dumps(template_variables(row.body))
    await _save(row)
    await audit.record(actor, "template.updated", name=row.name, language=row.language)
    return _out(row.to_dict())


async def delete_template(actor: Actor, template_id: UUID) -> None:
    """Delete a local template no pending scheduled message still needs.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the template is not this tenant's.
        Conflict: a Meta template, or a PENDING scheduled message uses it.
    """
    row = await _local(actor, template_id)
    waiting = await actor.scope.count(ScheduledMessage).where(
        (ScheduledMessage.template == row.id) & (ScheduledMessage.status == ScheduleStatus.PENDING)
    )
    if waiting:
        raise Conflict(
            f"{waiting} scheduled message(s) still use this template; cancel them first.",
            code="TEMPLATE_IN_USE",
        )
    await actor.scope.delete(MessageTemplate).where(MessageTemplate.id == row.id)
    await audit.record(actor, "template.deleted", name=row.name, language=row.language)


async def sync_meta_templates(
    actor: Actor, *, http: httpx.AsyncClient, box: SecretBox, graph_url: str
) -> TemplateSync:
    """Mirror the Cloud API number's templates and their approval status.

    Raises:
        Conflict: the tenant has no Cloud API number, or it has no business account id.
        TransportError: Meta could not be asked.
    """
    scope = actor.scope
    channel = await scope.objects(Channel).where(Channel.transport == Transport.CLOUD).first()
    if channel is None:
        raise Conflict("connect a Cloud API number first.", code="NO_CLOUD_CHANNEL")
    credentials = cloud_credentials(channel, box)
    if not credentials.waba_id:
        raise Conflict(
            "the Cloud API number has no WhatsApp Business Account id.", code="NO_WABA_ID"
        )
    client = CloudApiClient(http, credentials, base_url=graph_url)
    return await _apply(scope, await client.list_templates())


async def _apply(scope: TenantScope, fetched: list[MetaTemplate]) -> TemplateSync:
    known = await scope.objects(MessageTemplate).where(
        MessageTemplate.source == TemplateSource.META
    )
    by_id = {row.meta_id: row for row in known if row.meta_id}
    by_name = {(row.name, row.language): row for row in known}
    created = updated = skipped = 0
    seen: set[Any] = set()
    for template in fetched:
        if not 1 <= len(template.name) <= 80 or len(template.language) > 12:
            skipped += 1
            continue
        row = by_id.get(template.meta_id) or by_name.get((template.name, template.language))
        if row is None:
            row = scope.new(MessageTemplate, source=TemplateSource.META)
            created += 1
        else:
            updated += 1
        _copy(row, template)
        await row.save()
        seen.add(row.id)
    disabled = await _disable_missing(scope, [row for row in known if row.id not in seen])
    return TemplateSync(created, updated, disabled, skipped)


def _copy(row: MessageTemplate, template: MetaTemplate) -> None:
    row.name = template.name
    row.language = template.language
    row.category = template.category[:20]
    row.body = template.body
    row.variables = json.dumps(template_variables(template.body))
    row.meta_status = _status_of(template.status)
    if row.meta_status == MetaTemplateStatus.APPROVED:
        row.status_reason = ""  # a reason a webhook gave for a rejection or pause is history
    row.meta_id = template.meta_id[:40]
    row.synced_at = clock.now()


async def _disable_missing(scope: TenantScope, missing: list[MessageTemplate]) -> int:
    gone = [row.id for row in missing if row.meta_status != MetaTemplateStatus.DISABLED]
    if gone:
        await scope.update(
            MessageTemplate,
            {
                MessageTemplate.meta_status: MetaTemplateStatus.DISABLED,
                MessageTemplate.synced_at: clock.now(),
            },
        ).where(MessageTemplate.id.is_in(gone))
    return len(gone)

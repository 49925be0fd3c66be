"""The Cloud API webhook, one URL per channel: ``/webhooks/whatsapp/{channel_id}``.

The URL names the channel, so its app secret is known before the body is read;
the signature is checked on the raw bytes before any parsing. Each event is
then routed to its tenant by ``metadata.phone_number_id``. Every message and
status is persisted before the 200 goes back, then processed by the worker.

Meta retries every answer but 200 for days, so a body that carries the right
signature is always answered 200, whatever it holds: what can be read is
stored, and what cannot (a body that is not JSON, not an object, nested
deeper than ``MAX_DEPTH``, parts of the wrong shape, events for numbers of
another app) is counted as ``skipped`` in the answer and logged. Retrying it
could never make it readable. Only an unknown channel (404), a wrong signature
(401) and a body over the server's size limit (413) are refused.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import State
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from redis.exceptions import RedisError

from b2a.errors import NotFound, Unauthorized
from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.channels import (
    CloudChannel,
    channel_for_account,
    channel_for_number,
    cloud_credentials,
    find_cloud_channel,
)
from b2a.inbox.rules import Transport
from b2a.lib import metrics, tracing
from b2a.lib.crypto import SecretBox
from b2a.lib.jsonbody import read_json
from b2a.lib.log import tenant_id
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_webhook import (
    CloudMessage,
    CloudStatus,
    CloudUpdate,
    answer_handshake,
    read_delivery,
    signature_is_valid,
)
from b2a.whatsapp.inbound import from_cloud

log = logging.getLogger(__name__)
MAX_DEPTH = 32
"""Meta's deliveries nest about ten levels; anything much deeper is not one."""


def _box(state: State) -> SecretBox:
    return SecretBox(state.settings.core.encryption_key)


@get("/webhooks/whatsapp/{channel_id:str}", tags=["webhooks"])
async def verify_webhook(
    channel_id: FromPath[str], request: Request[Any, Any, Any], state: State
) -> Response[str]:
    """Meta's verification handshake: echo ``hub.challenge`` for the right token."""
    channel = await find_cloud_channel(channel_id)
    token = cloud_credentials(channel, _box(state)).verify_token
    challenge = answer_handshake(dict(request.query_params), token)
    return Response(challenge, media_type="text/plain")


@post("/webhooks/whatsapp/{channel_id:str}", status_code=200, tags=["webhooks"])
async def receive_webhook(
    channel_id: FromPath[str], request: Request[Any, Any, Any], state: State
) -> dict[str, int]:
    """Check the signature, persist each message and status, enqueue their processing."""
    try:
        return await _receive(channel_id, request, state)
    except (NotFound, Unauthorized, HTTPException) as exc:
        metrics.webhook_refused("whatsapp", _refusal(exc))
        raise


def _refusal(exc: Exception) -> str:
    """The reason a delivery was refused, as the metric's label."""
    if isinstance(exc, NotFound):
        return "unknown_channel"
    if isinstance(exc, Unauthorized):
        return "bad_signature"
    return "too_large" if getattr(exc, "status_code", 0) == 413 else "refused"


async def _receive(
    channel_id: str, request: Request[Any, Any, Any], state: State
) -> dict[str, int]:
    body = await request.body()
    channel = await find_cloud_channel(channel_id)
    credentials = cloud_credentials(channel, _box(state))
    if not signature_is_valid(
        credentials.app_secret, body, request.headers.get("x-hub-signature-256")
    ):
        raise Unauthorized("the webhook signature does not match this channel's app secret.")
    metrics.get().webhooks_received.labels("whatsapp").inc()
    try:
        payload = read_json(body, max_depth=MAX_DEPTH)
    except ValueError as exc:
        log.warning("webhook body on channel %s skipped: %s", channel.id, exc)
        return {"accepted": 0, "skipped": 1}
    delivery = read_delivery(payload)
    accepted, skipped = 0, delivery.skipped
    routes: dict[str | None, CloudChannel | None] = {channel.phone_number_id: channel}
    accounts: dict[str, CloudChannel | None] = {}
    for event in delivery.events:
        if isinstance(event, CloudUpdate) and not event.phone_number_id:
            target = await _route_account(accounts, event.waba_id, credentials.app_secret, state)
        else:
            target = await _route(routes, event.phone_number_id, credentials.app_secret, state)
        if target is None:
            log.warning(
                "webhook for unknown number %s (account %s) arrived on channel %s; dropped",
                event.phone_number_id,
                getattr(event, "waba_id", ""),
                channel.id,
            )
            skipped += 1
            continue
        tenant_id.set(str(target.tenant))
        accepted += await _accept(target, event)
    if skipped:
        log.warning(
            "webhook on channel %s: %d accepted, %d part(s) skipped", channel.id, accepted, skipped
        )
    return {"accepted": accepted, "skipped": skipped}


async def _accept(target: CloudChannel, event: CloudMessage | CloudStatus | CloudUpdate) -> int:
    """Persist one event for its channel and queue its processing; 1 if it is new, else 0."""
    scope = TenantScope(target.tenant)
    with tracing.span("inbox.accept", attributes={"b2a.tenant_id": str(target.tenant)}) as span:
        if isinstance(event, CloudMessage):
            event_id = await inbox.accept_inbound(
                scope, target.id, Transport.CLOUD, from_cloud(event)
            )
            task = "process_inbound"
        elif isinstance(event, CloudStatus):
            event_id = await inbox.accept_status(scope, target.id, Transport.CLOUD, event)
            task = "apply_status"
        else:
            event_id = await inbox.accept_update(scope, target.id, Transport.CLOUD, event)
            task = "apply_update"
        span.set({"b2a.job.kind": task, "b2a.event_id": str(event_id) if event_id else None})
        if event_id is None:
            return 0
        try:
            await recovery.enqueue_event(task, target.tenant, event_id)
        except RedisError as exc:
            # Persisted, so acknowledged: the sweep (requeue_stranded) queues it once
            # Redis is back. A 5xx would only make Meta redeliver what is already kept.
            log.warning("event %s kept but not queued (%s); the sweep will queue it", event_id, exc)
        return 1


async def _route(
    routes: dict[str | None, CloudChannel | None], number: str, app_secret: str, state: State
) -> CloudChannel | None:
    """The channel of the number an event is for, by ``metadata.phone_number_id``.

    One Meta app sends every number's events to its one callback URL, so events
    for another tenant's number may arrive here. They are accepted for that
    tenant only if its channel has the same app secret (the signature just
    checked proves the sender), otherwise dropped.
    """
    if number not in routes:
        other = await channel_for_number(number)
        same_app = (
            other is not None and cloud_credentials(other, _box(state)).app_secret == app_secret
        )
        routes[number] = other if same_app else None
    return routes[number]


async def _route_account(
    accounts: dict[str, CloudChannel | None], waba_id: str, app_secret: str, state: State
) -> CloudChannel | None:
    """The channel of the business account a template or account change is about.

    As with numbers, a change for another tenant's account is accepted only when
    that account's channel shares this channel's app secret.
    """
    if waba_id not in accounts:
        owner = await channel_for_account(waba_id)
        same_app = (
            owner is not None and cloud_credentials(owner, _box(state)).app_secret == app_secret
        )
        accounts[waba_id] = owner if same_app else None
    return accounts[waba_id]

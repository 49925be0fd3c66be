"""The Redis protocol between the rest of b2a and the `b2a whatsapp` session process.

WhatsApp-Web sessions live only in the session process (neonize is never loaded
by the API or the worker), so everything else talks to them through Redis:

* **commands** (pair with a phone number) go on a per-tenant list that the
  process owning the tenant's lease pops;
* **sends** go on another per-tenant list. The owner pops a request atomically
  (BLPOP), so after a timeout the worker can tell whether it was ever picked up:
  if the worker can still remove its own request, it was not, and nothing was
  sent. The owner answers on a per-request reply list;
* **at most once**: before sending, the owner claims ``sent:<ref>`` (our message
  id) and afterwards records the WhatsApp id there for a day, so a resend of the
  same message returns the recorded id instead of sending again;
* **QR code and pairing code** are plain keys with the TTLs WhatsApp gives them
  (60 s and 120 s); the owner deletes both when the session opens;
* **wake**: a list any command pushes the tenant id to, so an idle session
  process looks for work at once instead of at its next tick;
* **hurry**: a per-tenant key a person's start sets, so the session process
  starts at once instead of after the pause it keeps between automatic retries;
* **service heartbeat**: every session process refreshes one shared key with
  its own heartbeat; when it has expired the session service is down (what the
  connect page says, instead of guessing).

This module is imported by the worker and the domain; it must not import neonize.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from b2a.errors import TransportError
from b2a.lib.redis import PREFIX, lease_key
from b2a.whatsapp.transport import Outbound, Sent

QR_TTL_SECONDS = 60
PAIRING_CODE_TTL_SECONDS = 120
SENT_TTL_SECONDS = 24 * 3600
COMMAND_TTL_SECONDS = 300
REPLY_TTL_SECONDS = 60
WAKE_KEEP = 100
LEASE_KIND = "whatsapp"
SENDING = "SENDING"
"""Value of ``sent:<ref>`` while the send is in flight (or was cut off mid-send)."""

PAIR_PHONE = "pair_phone"


def commands_key(tenant_id: str) -> str:
    """The tenant's list of commands for its session owner."""
    return f"{PREFIX}web:{tenant_id}:commands"


def sends_key(tenant_id: str) -> str:
    """The tenant's list of send requests for its session owner."""
    return f"{PREFIX}web:{tenant_id}:sends"


def reply_key(request_id: str) -> str:
    """Where the session owner answers one send request."""
    return f"{PREFIX}web:reply:{request_id}"


def sent_key(tenant_id: str, ref: str) -> str:
    """The WhatsApp id a message (our ``ref``) was sent under, kept a day."""
    return f"{PREFIX}web:{tenant_id}:sent:{ref}"


def qr_key(tenant_id: str) -> str:
    """The current QR code of a pairing session (60 s)."""
    return f"{PREFIX}web:{tenant_id}:qr"


def pairing_code_key(tenant_id: str) -> str:
    """The current 8-character pairing code (120 s)."""
    return f"{PREFIX}web:{tenant_id}:pairing"


def hurry_key(tenant_id: str) -> str:
    """Set when a person starts the session: skip the pause between automatic retries."""
    return f"{PREFIX}web:{tenant_id}:hurry"


def wake_key() -> str:
    """Tenant ids whose session wants attention now rather than at the next tick."""
    return f"{PREFIX}web:wake"


async def session_owner(redis: Any, tenant_id: str) -> str | None:
    """The session process holding the tenant's lease, if any."""
    value = await redis.get(lease_key(LEASE_KIND, tenant_id))
    return str(value) if value is not None else None


def service_key() -> str:
    """Refreshed by every running session process with its heartbeat; expires with the last."""
    return f"{PREFIX}web:service"


async def session_service_up(redis: Any) -> bool:
    """Whether a ``b2a whatsapp`` process reported its heartbeat within three beats."""
    return bool(await redis.exists(service_key()))


async def hurry(redis: Any, tenant_id: str) -> None:
    """A person asked for the session: start it now, then wake the session processes."""
    await redis.set(hurry_key(tenant_id), "1", ex=COMMAND_TTL_SECONDS)
    await wake(redis, tenant_id)


async def push_command(redis: Any, tenant_id: str, op: str, **data: str) -> None:
    """Queue a command for the tenant's session owner and wake the session processes.

    Commands expire after a few minutes: a pairing request nobody picked up is
    stale by the time a session process appears.
    """
    key = commands_key(tenant_id)
    await redis.rpush(key, json.dumps({"op": op, **data}))
    await redis.expire(key, COMMAND_TTL_SECONDS)
    await wake(redis, tenant_id)


async def wake(redis: Any, tenant_id: str) -> None:
    """Ask a session process to tick now; the list stays short if none is running."""
    await redis.rpush(wake_key(), tenant_id)
    await redis.ltrim(wake_key(), -WAKE_KEEP, -1)
    await redis.expire(wake_key(), COMMAND_TTL_SECONDS)


@dataclass(frozen=True)
class SendReply:
    """The session owner's answer to one send request."""

    wa_message_id: str = ""
    error: str = ""
    code: str = ""
    permanent: bool = False
    maybe_sent: bool = False

    def to_json(self) -> str:
        """The wire form."""
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, raw: str) -> SendReply:
        """The inverse of ``to_json``."""
        return cls(**json.loads(raw))


def encode_send(message: Outbound, request_id: str) -> str:
    """A send request as the session owner reads it."""
    data = {
        "id": request_id,
        "ref": message.ref,
        "to": message.to,
        "kind": message.kind,
        "text": message.text,
        "media_path": message.media_path,
        "media_mime": message.media_mime,
        "filename": message.filename,
    }
    return json.dumps(data)


class WebRelayTransport:
    """Sends through the tenant's WhatsApp-Web session, wherever its owner process runs.

    Resends are safe: the owner records each ``ref`` it has sent and answers a
    second request for it with the recorded id.
    """

    resend_is_safe = True

    def __init__(self, redis: Any, tenant_id: str, *, timeout: float) -> None:
        self._redis = redis
        self._tenant_id = tenant_id
        self._timeout = timeout

    async def send(self, message: Outbound) -> Sent:
        """Queue the message for the session owner and wait for its answer.

        Raises:
            TransportError: no session runs for the tenant, it did not answer in
                time (``maybe_sent`` says whether it had picked the request up),
                or WhatsApp refused the message.
        """
        if await session_owner(self._redis, self._tenant_id) is None:
            raise TransportError(
                "The WhatsApp-Web session is not running: connect WhatsApp again from the "
                "settings page, or check that `b2a whatsapp` is running.",
                permanent=False,
                code="WEB_NO_SESSION",
            )
        request_id = uuid.uuid4().hex
        request = encode_send(message, request_id)
        await self._redis.rpush(sends_key(self._tenant_id), request)
        reply = await self._await_reply(request_id)
        if reply is None:
            raise await self._timed_out(request)
        if reply.error:
            raise TransportError(
                reply.error,
                permanent=reply.permanent,
                maybe_sent=reply.maybe_sent,
                code=reply.code or None,
            )
        return Sent(wa_message_id=reply.wa_message_id)

    async def _await_reply(self, request_id: str) -> SendReply | None:
        # Short blocking pops: the shared client's socket timeout is a few seconds.
        deadline = time.monotonic() + self._timeout
        while (left := deadline - time.monotonic()) > 0:
            item = await self._redis.blpop([reply_key(request_id)], timeout=max(0.1, min(1, left)))
            if item is not None:
                return SendReply.from_json(item[1])
        return None

    async def _timed_out(self, request: str) -> TransportError:
        """Take our request back if it is still queued: then it was certainly not sent."""
        removed = await self._redis.lrem(sends_key(self._tenant_id), 1, request)
        if removed:
            return TransportError(
                f"The WhatsApp-Web session did not pick the message up within "
                f"{self._timeout:.0f} s; it was not sent and will be retried.",
                permanent=False,
                code="WEB_TIMEOUT",
            )
        return TransportError(
            f"The WhatsApp-Web session did not answer within {self._timeout:.0f} s; "
            "it may have sent the message and will not send it twice.",
            permanent=False,
            maybe_sent=True,
            code="WEB_TIMEOUT",
        )

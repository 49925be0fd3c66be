"""Media files, stored per tenant under the data directory and served only to that tenant.

A message's file lives at ``<tenant>/<yyyy>/<mm>/<message id><ext>``. WhatsApp-Web
files arrive before their message row exists: the session stages them under
``<tenant>/inbound/`` before it accepts the event (so an accepted event never
points at a file that is not on disk), and the worker adopts the staged file into
the message's place once the row exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import mimetypes
import os
import re
from pathlib import Path
from uuid import UUID

from b2a.errors import Invalid
from b2a.inbox.tables import Message
from b2a.tenants.scope import TenantScope

MAX_BYTES = 100 * 1024 * 1024
MEDIA_NOT_SAVED = "MEDIA_NOT_SAVED"
"""``Message.error_code`` of a message whose file was sent but could not be kept."""
STAGING = "inbound"
_SAFE_NAME = re.compile(r"[A-Za-z0-9_-]{1,100}")

log = logging.getLogger("b2a.inbox")


def tenant_media_dir(media_root: Path, tenant_id: UUID) -> Path:
    """The one directory holding a tenant's files (erasing the tenant removes it)."""
    return media_root / str(tenant_id)


async def forget_media(media_root: Path, tenant_id: UUID, relative: str) -> None:
    """Remove a file no message refers to any more (a deletion the business does not keep)."""
    base = tenant_media_dir(media_root, tenant_id).resolve()
    path = (base / relative).resolve()
    if relative and path.is_relative_to(base):
        await asyncio.to_thread(path.unlink, missing_ok=True)


def _check_size(content: bytes) -> None:
    if len(content) > MAX_BYTES:
        raise Invalid(f"media of {len(content)} bytes is over the {MAX_BYTES}-byte limit.")


def _write_atomically(path: Path, content: bytes) -> None:
    """Write mode 0640 under a temporary name, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".part")
    temporary.write_bytes(content)
    os.chmod(temporary, 0o640)
    temporary.replace(path)


def _message_file(message: Message, mime: str) -> str:
    extension = mimetypes.guess_extension(mime.split(";")[0].strip()) or ".bin"
    return f"{message.created_at:%Y/%m}/{message.id}{extension}"


async def save_message_media(
    scope: TenantScope, message_id: UUID, content: bytes, mime: str, media_root: Path
) -> str:
    """Write a message's media file (mode 0640) and record its relative path on the message.

    Raises:
        Invalid: the file is larger than WhatsApp itself allows.
    """
    _check_size(content)
    message = await scope.get(Message, message_id)
    relative = _message_file(message, mime)
    _write_atomically(tenant_media_dir(media_root, scope.tenant_id) / relative, content)
    message.media_path = relative
    message.media_mime = mime
    message.media_size = len(content)
    await message.save([Message.media_path, Message.media_mime, Message.media_size])
    return relative


def staged_name(wa_message_id: str) -> str:
    """The staging file of a WhatsApp message, relative to the tenant's media directory.

    The same id always gives the same name, so a redelivered message overwrites its
    own staged file instead of leaving a second one; an id that is not a plain file
    name is hashed.
    """
    name = wa_message_id
    if not _SAFE_NAME.fullmatch(name):
        name = hashlib.sha256(wa_message_id.encode()).hexdigest()
    return f"{STAGING}/{name}"


def stage_inbound_media(
    media_root: Path, tenant_id: UUID, wa_message_id: str, content: bytes
) -> str:
    """Keep a received file (mode 0640) until its message exists; the staged relative path.

    Raises:
        Invalid: the file is larger than b2a stores.
    """
    _check_size(content)
    relative = staged_name(wa_message_id)
    _write_atomically(tenant_media_dir(media_root, tenant_id) / relative, content)
    return relative


async def record_media_refused(scope: TenantScope, message_id: UUID, cause: str) -> None:
    """Say on the message, in plain words, why it has no file: WhatsApp would not hand it over.

    For a refusal no retry can change (an id WhatsApp does not know, a file too
    large); the message itself stays, with its caption.
    """
    message = await scope.get(Message, message_id)
    message.error_code = MEDIA_NOT_SAVED
    message.error_detail = (
        f"The {message.kind} could not be downloaded from WhatsApp ({cause}); "
        "ask the customer to send it again."
    )[:500]
    await message.save([Message.error_code, Message.error_detail])


async def adopt_inbound_media(
    scope: TenantScope, message_id: UUID, staged: str, media_root: Path
) -> str:
    """Move a staged file into its message's place and record it; the relative path.

    Safe to repeat: a message that has its file keeps it, and a retry after a crash
    between the move and the update finds the file already in place. A staged file
    that is gone is recorded on the message in plain words, and "" is returned.

    Raises:
        Invalid: ``staged`` is not a staging path (the event payload was not ours).
    """
    message = await scope.get(Message, message_id)
    if message.media_path:
        return str(message.media_path)
    name = staged.removeprefix(f"{STAGING}/")
    if staged != f"{STAGING}/{name}" or not _SAFE_NAME.fullmatch(name):
        raise Invalid(f"{staged!r} is not a staged media file.")
    directory = tenant_media_dir(media_root, scope.tenant_id)
    relative = _message_file(message, message.media_mime)
    target = directory / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    source = directory / staged
    if source.is_file():
        source.replace(target)
    if not target.is_file():
        log.warning("tenant %s: staged file of message %s is missing", scope.tenant_id, message_id)
        message.error_code = MEDIA_NOT_SAVED
        message.error_detail = (
            f"The {message.kind} was received but its file is missing on this server; "
            "ask the customer to send it again."
        )
        await message.save([Message.error_code, Message.error_detail])
        return ""
    message.media_path = relative
    message.media_size = target.stat().st_size
    await message.save([Message.media_path, Message.media_size])
    return relative

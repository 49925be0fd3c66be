"""Media files, stored per tenant under the data directory and served only to that tenant."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from uuid import UUID

from b2a.errors import Invalid
from b2a.inbox.tables import Message
from b2a.tenants.scope import TenantScope

MAX_BYTES = 100 * 1024 * 1024


def tenant_media_dir(media_root: Path, tenant_id: UUID) -> Path:
    """The one directory holding a tenant's files (erasing the tenant removes it)."""
    return media_root / str(tenant_id)


async def save_message_media(
    scope: TenantScope, message_id: UUID, content: bytes, mime: str, media_root: Path
) -> str:
    """Write a message's media file (mode 0640) and record its relative path on the message.

    Raises:
        Invalid: the file is larger than WhatsApp itself allows.
    """
    if len(content) > MAX_BYTES:
        raise Invalid(f"media of {len(content)} bytes is over the {MAX_BYTES}-byte limit.")
    message = await scope.get(Message, message_id)
    extension = mimetypes.guess_extension(mime.split(";")[0].strip()) or ".bin"
    relative = f"{message.created_at:%Y/%m}/{message.id}{extension}"
    path = tenant_media_dir(media_root, scope.tenant_id) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(content)
    os.chmod(temporary, 0o640)
    temporary.replace(path)
    message.media_path = relative
    message.media_mime = mime
    message.media_size = len(content)
    await message.save([Message.media_path, Message.media_mime, Message.media_size])
    return relative

"""Proofs of manual payments (screenshots or PDFs), kept in the tenant's media directory.

A receipt's type is read from its first bytes (``b2a.lib.filetypes``), never from
its name or the type the browser claims: PNG, JPEG, WebP or PDF, at most 5 MB. It
is stored as ``<tenant>/billing/<payment id><ext>`` (mode 0640), so erasing the
tenant erases it, and it is never served by a public route: ``manual.receipt_file``
hands it only to the tenant's admins and to super admins, served as its bytes
are sniffed again then (``filetypes.served_file``), like every stored file.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from uuid import UUID

from b2a.errors import Invalid, NotFound
from b2a.inbox.media import tenant_media_dir
from b2a.lib import filetypes

MAX_BYTES = 5 * 1024 * 1024
FOLDER = "billing"
_KINDS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}


def sniff(content: bytes) -> str | None:
    """The extension of a PNG, JPEG, WebP or PDF file by its magic bytes, else None."""
    return _KINDS.get(filetypes.sniff(content[: filetypes.HEAD_BYTES]) or "")


def check_receipt(content: bytes) -> str:
    """The receipt's extension once it passes the size and type checks.

    Raises:
        Invalid: empty, larger than 5 MB, or not a PNG, JPEG, WebP or PDF.
    """
    if not content:
        raise Invalid("attach the payment screenshot or receipt.", field="screenshot")
    if len(content) > MAX_BYTES:
        raise Invalid(
            f"the screenshot is larger than {MAX_BYTES // 2**20} MB; send a smaller one.",
            field="screenshot",
        )
    extension = sniff(content)
    if extension is None:
        raise Invalid(
            "the screenshot must be a PNG, JPEG or WebP image, or a PDF.", field="screenshot"
        )
    return extension


def store_receipt(media_root: Path, tenant_id: UUID, payment_id: UUID, content: bytes) -> str:
    """Write a checked receipt; its path relative to the tenant's media directory.

    Raises:
        Invalid: see ``check_receipt``.
    """
    relative = f"{FOLDER}/{payment_id}{check_receipt(content)}"
    path = tenant_media_dir(media_root, tenant_id) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_bytes(content)
    os.chmod(partial, 0o640)
    partial.replace(path)
    return relative


def remove_receipt(media_root: Path, tenant_id: UUID, relative: str) -> None:
    """Delete a stored receipt (its payment was not saved after all)."""
    with contextlib.suppress(FileNotFoundError):
        (tenant_media_dir(media_root, tenant_id) / relative).unlink()


def receipt_path(media_root: Path, tenant_id: UUID, relative: str) -> filetypes.Served:
    """The file of a stored receipt and how it is served (by what its bytes are).

    Raises:
        NotFound: the payment has no receipt on this server.
    """
    path = tenant_media_dir(media_root, tenant_id) / relative
    if not relative.startswith(f"{FOLDER}/") or not path.is_file():
        raise NotFound("this payment has no screenshot on this server.")
    return filetypes.served_file(path)

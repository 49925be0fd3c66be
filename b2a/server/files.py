"""Stored files as responses: the domain decides what a file is; this sets the headers.

Every file a customer, an agent or a tenant stored (``b2a.lib.filetypes.Served``)
goes out with ``X-Content-Type-Options: nosniff`` and a sandboxing
``Content-Security-Policy`` (no scripts, no plugins, nothing loaded from anywhere),
and a ``Content-Disposition`` whose file name is encoded as RFC 6266 says: a
quoted ASCII ``filename`` for every browser, and ``filename*`` in UTF-8 when the
real name is not plain ASCII.

PDF is the one inline type without ``sandbox``: Chrome refuses to start its PDF
viewer in a sandboxed document ("This page has been blocked"), and that viewer
runs a PDF's scripts in its own process without access to our origin. With
``nosniff`` and the exact ``application/pdf`` type, the bytes are never read as
HTML. ``docs/decisions.md`` ("Served files") has the reasoning.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal
from unicodedata import combining
from urllib.parse import quote

from litestar.response import File

from b2a.lib.filetypes import Served

DOWNLOAD_POLICY = "sandbox; default-src 'none'"
INLINE_POLICY = (
    "sandbox; default-src 'none'; img-src 'self'; media-src 'self'; "
    "style-src 'unsafe-inline'; frame-ancestors 'none'"
)
PDF_POLICY = (
    "default-src 'none'; object-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'"
)
_FALLBACK_SAFE = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-()[]+,"
)


def content_disposition(disposition: str, filename: str) -> str:
    """``inline`` or ``attachment`` with ``filename`` encoded as RFC 6266 (and 5987) say."""
    # Accents fall away (café → cafe); any other character becomes one "_" per run.
    letters = unicodedata.normalize("NFKD", filename)
    plain = "".join(ch if ch in _FALLBACK_SAFE else "_" for ch in letters if not combining(ch))
    fallback = re.sub("_+", "_", plain).strip() or "file"
    header = f'{disposition}; filename="{fallback}"'
    if fallback != filename:
        header += f"; filename*=UTF-8''{quote(filename, safe='')}"
    return header


def policy(served: Served) -> str:
    """The Content-Security-Policy a served file goes out with."""
    if not served.inline:
        return DOWNLOAD_POLICY
    return PDF_POLICY if served.media_type == "application/pdf" else INLINE_POLICY


def file_response(served: Served) -> File:
    """The response carrying a stored file, with the headers that keep it inert."""
    disposition: Literal["inline", "attachment"] = "inline" if served.inline else "attachment"
    return File(
        path=served.path,
        media_type=served.media_type,
        filename=served.filename,
        content_disposition_type=disposition,
        headers={
            "content-disposition": content_disposition(disposition, served.filename),
            "content-security-policy": policy(served),
            "x-content-type-options": "nosniff",
        },
    )


def download_headers(filename: str) -> dict[str, str]:
    """The headers of a file b2a made itself (an export): a download, sandboxed all the same."""
    return {
        "content-disposition": content_disposition("attachment", filename),
        "content-security-policy": DOWNLOAD_POLICY,
        "x-content-type-options": "nosniff",
    }

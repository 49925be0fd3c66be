"""What a stored file is, read from its first bytes, and how it may be shown.

Customers and agents choose the type their files claim; a browser trusts the type
the server answers with. So a file's type is never the claim: it is sniffed from
its magic bytes (``sniff``), and only a short allowlist of kinds a browser shows
without running anything (raster images, PDF, audio, video: ``INLINE``) is served
as itself. Everything else, HTML, SVG, JavaScript and whatever is not recognised,
is served as ``application/octet-stream`` for download (``served_file``). The
signatures follow the WHATWG MIME Sniffing standard's tables for images, audio
and video; ``docs/decisions.md`` says why this is our own code and not a library.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

HEAD_BYTES = 512
"""How much of a file ``sniff`` needs: every signature below sits in the first 64 bytes."""
DOWNLOAD = "application/octet-stream"
OGG_OPUS = "audio/ogg; codecs=opus"

INLINE = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "application/pdf",
        OGG_OPUS,
        "audio/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/aac",
        "audio/amr",
        "audio/wav",
        "video/mp4",
        "video/3gpp",
        "video/webm",
    }
)
"""The sniffed types a browser may show in place; SVG is never among them (it runs script)."""

EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
    OGG_OPUS: ".ogg",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "audio/wav": ".wav",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
    "video/webm": ".webm",
    "application/zip": ".zip",
    "application/x-ole-storage": ".bin",
}

ZIP = "application/zip"
"""A ZIP container: also every .docx, .xlsx and .pptx."""
OLE = "application/x-ole-storage"
"""An OLE2 compound file: also every .doc, .xls and .ppt."""

_PREFIXES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"ID3", "audio/mpeg"),
    (b"#!AMR\n", "audio/amr"),
    (b"PK\x03\x04", ZIP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),
)
# ISO base media files (MP4, M4A, 3GP) name their kind by the "major brand" of their
# first box, "ftyp"; QuickTime ("qt  "), HEIF and AVIF brands are none of ours.
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P "})
_VIDEO_BRANDS = frozenset(
    {
        b"isom",
        b"iso2",
        b"iso4",
        b"iso5",
        b"iso6",
        b"mp41",
        b"mp42",
        b"avc1",
        b"dash",
        b"mmp4",
        b"M4V ",
        b"M4VP",
        b"MSNV",
        b"NDAS",
        b"f4v ",
    }
)
_EBML = b"\x1a\x45\xdf\xa3"
_UNSAFE_NAME = re.compile(r'[/\\:*?"<>|]+')
_NAME_LIMIT = 150


def sniff(head: bytes) -> str | None:
    """The type of a file by its first bytes (``HEAD_BYTES`` suffice), else None.

    Only types this module names are ever answered; text of any kind (HTML, SVG,
    scripts) is None.
    """
    for prefix, media_type in _PREFIXES:
        if head.startswith(prefix):
            return media_type
    return _riff(head) or _iso_media(head) or _ogg(head) or _webm(head) or _mpeg_frame(head)


def _riff(head: bytes) -> str | None:
    if head[:4] != b"RIFF":
        return None
    return {b"WEBP": "image/webp", b"WAVE": "audio/wav"}.get(head[8:12])


def _iso_media(head: bytes) -> str | None:
    if head[4:8] != b"ftyp":
        return None
    brand = head[8:12]
    if brand in _AUDIO_BRANDS:
        return "audio/mp4"
    if brand in _VIDEO_BRANDS:
        return "video/mp4"
    if brand.startswith(b"3gp") or brand.startswith(b"3ge") or brand.startswith(b"3gg"):
        return "video/3gpp"
    return None


def _ogg(head: bytes) -> str | None:
    # The first page's packet starts at byte 28 when that page has one segment, as an
    # Opus or Vorbis identification header's page always does.
    if not head.startswith(b"OggS"):
        return None
    if head[28:36] == b"OpusHead":
        return OGG_OPUS
    if head[28:35] == b"\x01vorbis":
        return "audio/ogg"
    return None


def _webm(head: bytes) -> str | None:
    # The EBML header names its DocType within its first few dozen bytes.
    if head.startswith(_EBML) and b"\x42\x82\x84webm" in head[:64]:
        return "video/webm"
    return None


def _mpeg_frame(head: bytes) -> str | None:
    """An MP3 frame or an AAC ADTS frame: an 11-bit sync word and a header that parses."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    if head[1] & 0xF6 == 0xF0:  # MPEG-4/2 ADTS: layer bits 00
        return "audio/aac"
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 0b11
    if layer != 0 and bitrate not in (0, 0xF) and rate != 0b11:
        return "audio/mpeg"
    return None


def is_text(content: bytes) -> bool:
    """Whether ``content`` is UTF-8 text with no control characters but tab and line breaks."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(
        unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text.lstrip("\ufeff")
    )


def safe_filename(name: str, fallback: str = "file") -> str:
    """A file name that names one file and nothing more; ``fallback`` when nothing is left.

    No folders, no control or format characters (a right-to-left override would
    show ``gpj.exe`` as ``exe.jpg``), no quotes or characters Windows refuses, no
    leading dots, at most 150 characters (the extension kept).
    """
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if not name:
        return fallback
    if len(name) > _NAME_LIMIT:
        stem, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[: _NAME_LIMIT - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    return name


@dataclass(frozen=True)
class Served:
    """How a stored file goes to a browser: its type, in place or as a download, its name.

    ``media_type`` is always either one of ``INLINE`` (then ``inline`` is true and it
    is what the bytes are) or ``application/octet-stream`` with ``inline`` false.
    """

    path: Path
    media_type: str
    inline: bool
    filename: str


def read_head(path: Path) -> bytes:
    """The first ``HEAD_BYTES`` of a file."""
    with path.open("rb") as file:
        return file.read(HEAD_BYTES)


def serve_as(head: bytes, name: str) -> tuple[str, bool, str]:
    """The type, inline or not, and safe name a file with this head and name is served with.

    A file shown in place is named for what it is (``photo.html`` that is a PNG is
    ``photo.png``); a download keeps its own (safe) name.
    """
    media_type = sniff(head)
    filename = safe_filename(name)
    if media_type not in INLINE:
        return DOWNLOAD, False, filename
    stem = filename.rsplit(".", 1)[0] if "." in filename else filename
    return media_type, True, stem + EXTENSIONS[media_type]


def served_file(path: Path, name: str = "") -> Served:
    """How the file at ``path`` is served; ``name`` is its download name (default its own)."""
    media_type, inline, filename = serve_as(read_head(path), name or path.name)
    return Served(path, media_type, inline, filename)

"""Which files WhatsApp sends, judged by their content, never by the type they claim.

WhatsApp's Cloud API accepts, per message type (its "supported media types"):
image JPEG or PNG up to 5 MB; video MP4 or 3GPP; audio AAC, AMR, MP3, MP4 audio
or Ogg with the Opus codec; a document as PDF, plain text, Word, Excel or
PowerPoint (old and new formats); stickers are WebP, which agents do not send.
An agent's file is sniffed (``b2a.lib.filetypes``) and stored with the type it
is (an Ogg file only with the Opus codec, stored as ``audio/ogg``); the claim only
chooses between the Office formats, which share one container per generation
(OLE2 for .doc/.xls/.ppt, ZIP for .docx/.xlsx/.pptx).
"""

from __future__ import annotations

from b2a.errors import Invalid
from b2a.lib import filetypes

MB = 1024 * 1024
_LIMITS = {
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "video/mp4": 16 * MB,
    "video/3gpp": 16 * MB,
    "audio/aac": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/mp4": 16 * MB,
    filetypes.OGG_OPUS: 16 * MB,
    "application/pdf": 100 * MB,
    "text/plain": 100 * MB,
}
OFFICE = {
    filetypes.OLE: {
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
    },
    filetypes.ZIP: {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    },
}
_NAMES = {
    "image/gif": "a GIF image (send it as JPEG or PNG)",
    "image/webp": "a WebP image (send it as JPEG or PNG)",
    "audio/wav": "WAV audio (send it as MP3, M4A, AAC, AMR or Opus)",
    "audio/ogg": "Ogg audio without the Opus codec (send it as MP3, M4A, AAC, AMR or Opus)",
    "video/webm": "a WebM video (send it as MP4 or 3GP)",
    filetypes.ZIP: "a ZIP archive",
    filetypes.OLE: "this Office file",
}
WHAT_GOES = (
    "WhatsApp sends JPEG or PNG images, MP4 or 3GP videos, MP3, M4A, AAC, AMR or Opus "
    "audio, and PDF, text, Word, Excel or PowerPoint documents."
)


def sendable_type(content: bytes, claimed: str) -> str:
    """The media type to store and send ``content`` as: what it is, whatever it claims.

    Raises:
        Invalid: WhatsApp cannot send this kind of file, or not at this size
            (``field`` is ``file``).
    """
    sniffed = filetypes.sniff(content[: filetypes.HEAD_BYTES])
    claim = claimed.split(";")[0].strip().lower()
    if sniffed in OFFICE and claim in OFFICE[sniffed]:
        return claim
    if sniffed is None and filetypes.is_text(content):
        sniffed = "text/plain"
    if sniffed is None:
        raise Invalid(f"WhatsApp cannot send this kind of file. {WHAT_GOES}", field="file")
    limit = _LIMITS.get(sniffed)
    if limit is None:
        raise Invalid(
            f"WhatsApp cannot send {_NAMES.get(sniffed, sniffed)}. {WHAT_GOES}", field="file"
        )
    if len(content) > limit:
        raise Invalid(
            f"WhatsApp sends files of this kind ({sniffed}) up to {limit // MB} MB.", field="file"
        )
    # Meta lists Opus voice notes as plain audio/ogg (its media upload takes no parameters).
    return "audio/ogg" if sniffed == filetypes.OGG_OPUS else sniffed

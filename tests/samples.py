"""Files as customers and agents send them: real images, a PDF, a voice note, and hostile ones.

The images are made by Pillow, the PDF is a complete one-page document, and the
voice note is the two header pages every Ogg Opus file starts with (checksums
computed as the Ogg specification says), so what is sniffed here is what a phone
sends.
"""

from __future__ import annotations

import io
import struct

from hypothesis import strategies as st
from PIL import Image

SCRIPT = b"document.title = 'pwned';"
HTML = b"<!doctype html><html><head><title>ok</title></head><body><script>" + SCRIPT + b"</script>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="'
    + SCRIPT
    + b'"><script>'
    + SCRIPT
    + b"</script></svg>"
)
JAVASCRIPT = SCRIPT + b"\n"
# A valid GIF header in front of HTML: sniffed as the GIF it starts as, never as HTML.
POLYGLOT = b"GIF89a\x01\x00\x01\x00\x00\x00\x00" + HTML


def _image(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 60)).save(out, kind)
    return out.getvalue()


PNG = _image("PNG")
JPEG = _image("JPEG")
GIF = _image("GIF")
WEBP = _image("WEBP")


def _pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>",
    ]
    body = b"%PDF-1.4\n"
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, content)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return body


PDF = _pdf()


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else crc << 1
        table.append(crc & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def _ogg_page(packet: bytes, sequence: int, *, first: bool) -> bytes:
    header = struct.pack(
        "<4sBBqIIIB", b"OggS", 0, 2 if first else 0, 0, 0x1234, sequence, 0, 1
    ) + bytes([len(packet)])
    page = bytearray(header + packet)
    crc = 0
    for byte in page:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[((crc >> 24) & 0xFF) ^ byte]
    page[22:26] = struct.pack("<I", crc)
    return bytes(page)


OGG_OPUS = _ogg_page(
    b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48000, 0, 0), 0, first=True
) + _ogg_page(b"OpusTags" + struct.pack("<I", 3) + b"b2a" + struct.pack("<I", 0), 1, first=False)

HOSTILE = {"html": HTML, "svg": SVG, "javascript": JAVASCRIPT, "polyglot": POLYGLOT}
"""Bodies that must never be served as anything a browser runs."""
REAL = {
    "png": (PNG, "image/png"),
    "jpeg": (JPEG, "image/jpeg"),
    "pdf": (PDF, "application/pdf"),
    "ogg": (OGG_OPUS, "audio/ogg; codecs=opus"),
}
"""Real files and the type they are served as."""

# An EBML header naming its DocType "webm", as every WebM file starts.
WEBM_HEAD = (
    b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    b"\x42\x82\x84webm"
)
# The first bytes of each kind sniff() names, for strategies that build look-alikes.
SIGNATURES = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"%PDF-",
    b"ID3",
    b"#!AMR\n",
    b"PK\x03\x04",
    b"RIFF\x00\x00\x00\x00WEBP",
    b"RIFF\x00\x00\x00\x00WAVE",
    b"\x00\x00\x00\x18ftypisom",
    b"\x00\x00\x00\x18ftypM4A ",
    b"\x00\x00\x00\x18ftyp3gp5",
    b"\x00\x00\x00\x18ftypqt  ",
    OGG_OPUS[:40],
    WEBM_HEAD,
    b"\xff\xfb\x90\x64",
    b"\xff\xf1\x50\x80",
    b"<svg",
    b"<html>",
]
bodies = st.one_of(
    st.binary(max_size=700),
    st.builds(lambda head, tail: head + tail, st.sampled_from(SIGNATURES), st.binary(max_size=80)),
    st.sampled_from(list(HOSTILE.values())),
)

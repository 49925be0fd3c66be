"""What an agent's file is sent as: what its bytes are, or a refusal naming what goes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.errors import Invalid
from b2a.whatsapp.sendable import OFFICE, sendable_type
from tests import samples

WHATSAPP_SENDS = {
    "image/jpeg",
    "image/png",
    "video/mp4",
    "video/3gpp",
    "audio/aac",
    "audio/amr",
    "audio/mpeg",
    "audio/mp4",
    "audio/ogg",
    "application/pdf",
    "text/plain",
}
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.mark.parametrize(
    ("content", "claimed", "stored"),
    [
        (samples.PNG, "image/png", "image/png"),
        (samples.JPEG, "image/png", "image/jpeg"),
        (samples.PDF, "image/jpeg", "application/pdf"),
        (samples.OGG_OPUS, "application/octet-stream", "audio/ogg"),
        (b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00", "video/quicktime", "video/mp4"),
        (b"Order 17: 2 cakes\n", "application/octet-stream", "text/plain"),
        (samples.HTML, "image/png", "text/plain"),
        (b"PK\x03\x04 a docx", DOCX, DOCX),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 a sheet",
            "application/vnd.ms-excel; x=1",
            ("application/vnd.ms-excel"),
        ),
    ],
)
def test_a_file_is_stored_as_what_its_bytes_are(content, claimed, stored):
    assert sendable_type(content, claimed) == stored


@pytest.mark.parametrize(
    ("content", "claimed", "says"),
    [
        (samples.GIF, "image/gif", "a GIF image (send it as JPEG or PNG)"),
        (samples.WEBP, "image/png", "a WebP image"),
        (b"PK\x03\x04 zipped", "application/zip", "a ZIP archive"),
        (b"PK\x03\x04 a docx", "image/png", "a ZIP archive"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "image/png", "this kind of file"),
        (samples.POLYGLOT, "image/png", "a GIF image"),
        (samples.PNG + b"\x00" * (5 * 1024 * 1024), "image/png", "up to 5 MB"),
    ],
)
def test_a_kind_whatsapp_cannot_send_is_refused_in_plain_words(content, claimed, says):
    with pytest.raises(Invalid) as refused:
        sendable_type(content, claimed)
    assert says in refused.value.message and refused.value.field == "file"
    assert "WhatsApp" in refused.value.message


@given(content=st.binary(max_size=300), claimed=st.sampled_from(["image/png", "text/html", DOCX]))
def test_what_is_stored_is_never_a_type_browsers_run(content, claimed):
    try:
        stored = sendable_type(content, claimed)
    except Invalid:
        return
    office = set().union(*OFFICE.values())
    assert stored in WHATSAPP_SENDS or stored in office
    assert stored not in office or stored == claimed

"""Sniffing stored files by their bytes, and the one rule for serving them."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2a.lib import filetypes
from b2a.lib.filetypes import DOWNLOAD, INLINE, safe_filename, serve_as, sniff
from tests import samples
from tests.samples import bodies

names = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["x.html", "../../etc/passwd", 'a"; b=c.svg', "ok.png", "..", "a\r\nb.js"]),
)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (samples.PNG, "image/png"),
        (samples.JPEG, "image/jpeg"),
        (samples.GIF, "image/gif"),
        (samples.WEBP, "image/webp"),
        (samples.PDF, "application/pdf"),
        (samples.OGG_OPUS, "audio/ogg; codecs=opus"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4"),
        (b"\x00\x00\x00\x14ftyp3gp4\x00\x00\x00\x00", "video/3gpp"),
        (b"#!AMR\n\x3c", "audio/amr"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x00", "audio/aac"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (samples.WEBM_HEAD + b"\x00", "video/webm"),
    ],
)
def test_each_allowed_kind_is_known_by_its_bytes_and_shown_inline(content, expected):
    assert sniff(content[: filetypes.HEAD_BYTES]) == expected
    media_type, inline, _ = serve_as(content, "x")
    assert (media_type, inline) == (expected, True)


@pytest.mark.parametrize("name", list(samples.HOSTILE))
def test_html_svg_and_javascript_are_downloads_and_a_polyglot_is_only_its_image(name):
    media_type, inline, filename = serve_as(samples.HOSTILE[name], "photo.jpg")
    if name == "polyglot":
        assert (media_type, inline, filename) == ("image/gif", True, "photo.gif")
    else:
        assert (media_type, inline, filename) == (DOWNLOAD, False, "photo.jpg")


@pytest.mark.parametrize(
    "content",
    [b"\x00\x00\x00\x18ftypqt  ", b"OggS\x00\x02" + b"\x00" * 22 + b"\x80theora", b"MZ\x90\x00"],
)
def test_kinds_off_the_list_are_downloads(content):
    assert serve_as(content, "a.mov")[:2] == (DOWNLOAD, False)


def test_a_file_name_names_one_file():
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\a\\invoice.pdf") == "invoice.pdf"
    assert safe_filename('a"b\r\n<c>.png') == "a_b_c_.png"
    assert safe_filename("..") == "file" and safe_filename("", "x.bin") == "x.bin"
    assert safe_filename(".bashrc") == "bashrc"
    long = safe_filename("n" * 400 + ".jpeg")
    assert len(long) == 150 and long.endswith(".jpeg")
    assert safe_filename("فاتورة.pdf") == "فاتورة.pdf"
    assert safe_filename("invoice\u202egpj.exe") == "invoicegpj.exe"


@given(content=bodies, name=names)
def test_whatever_the_bytes_and_name_a_file_is_inline_as_what_it_is_or_a_download(content, name):
    media_type, inline, filename = serve_as(content[: filetypes.HEAD_BYTES], name)
    if inline:
        assert media_type in INLINE and media_type == sniff(content[: filetypes.HEAD_BYTES])
        assert filename.endswith(filetypes.EXTENSIONS[media_type])
    else:
        assert media_type == DOWNLOAD
    assert "svg" not in media_type and "html" not in media_type
    assert filename and not set(filename) & set('/\\"\r\n\x00') and len(filename) <= 150
    assert not filename.startswith(".")
    assert not any(unicodedata.category(ch).startswith("C") for ch in filename)

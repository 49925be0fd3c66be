import pytest

from b2a.billing.receipts import MAX_BYTES, check_receipt, receipt_path, sniff, store_receipt
from b2a.errors import Invalid, NotFound

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
PDF = b"%PDF-1.7\n" + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "extension"), [(PNG, ".png"), (JPEG, ".jpg"), (WEBP, ".webp"), (PDF, ".pdf")]
)
def test_the_type_is_read_from_the_first_bytes(content, extension):
    assert sniff(content) == extension


@pytest.mark.parametrize(
    "content",
    [
        b"GIF89a" + b"\x00" * 20,
        b"<svg onload=alert(1)>",
        b"MZ\x90\x00",
        b"PK\x03\x04",
        b"RIFFxxxxWAVE",
    ],
)
def test_anything_else_is_refused_whatever_its_name(content):
    with pytest.raises(Invalid) as refused:
        check_receipt(content)
    assert refused.value.field == "screenshot"


def test_empty_and_oversized_receipts_are_refused():
    with pytest.raises(Invalid, match="attach"):
        check_receipt(b"")
    with pytest.raises(Invalid, match="5 MB"):
        check_receipt(PNG + b"\x00" * MAX_BYTES)


def test_a_receipt_is_stored_under_the_tenants_billing_folder(tmp_path):
    import uuid

    tenant, payment = uuid.uuid4(), uuid.uuid4()
    relative = store_receipt(tmp_path, tenant, payment, PDF)
    assert relative == f"billing/{payment}.pdf"
    served = receipt_path(tmp_path, tenant, relative)
    path = served.path
    assert path == tmp_path / str(tenant) / "billing" / f"{payment}.pdf"
    assert path.read_bytes() == PDF and served.media_type == "application/pdf" and served.inline
    assert oct(path.stat().st_mode & 0o777) == "0o640"
    with pytest.raises(NotFound):
        receipt_path(tmp_path, uuid.uuid4(), relative)

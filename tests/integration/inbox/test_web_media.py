"""WhatsApp-Web files: staged by the session before the event is accepted, adopted by the worker.

The worker task runs here as the worker runs it (``process_inbound`` with the
worker's context), including a retry of the same job.
"""

import stat
from datetime import UTC, datetime

import pytest

from b2a.errors import Invalid
from b2a.inbox import service as inbox
from b2a.inbox.media import adopt_inbound_media, stage_inbound_media, staged_name
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, Message
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from b2a.worker.tasks.inbox import process_inbound
from tests.pipeline import installed_queue

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PHOTO = b"\xff\xd8\xff\xe0 a photo of the cake"


def photo(wa_id: str, media_file: str) -> InboundMessage:
    return InboundMessage(
        wa_id,
        [Identity("jid", "923001234567@s.whatsapp.net"), Identity("phone", "923001234567")],
        "923001234567",
        "Ayesha",
        "image",
        "this cake?",
        AT,
        media_mime="image/jpeg",
        media_file=media_file,
    )


@pytest.fixture
def settings(make_settings, db, tmp_path):
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(tmp_path))


async def _accept(scope, message):
    channel = scope.new(Channel, transport=Transport.WEB)
    await channel.save()
    return await inbox.accept_inbound(scope, channel.id, Transport.WEB, message)


async def test_a_staged_file_becomes_the_messages_file_and_a_retried_job_keeps_it(
    cast, redis, settings, tmp_path
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    media_root = tmp_path / "media"
    staged = stage_inbound_media(media_root, scope.tenant_id, "3EB0IMG", PHOTO)
    assert staged == "inbound/3EB0IMG"
    event_id = await _accept(scope, photo("3EB0IMG", staged))
    ctx = {"settings": settings, "redis": redis}
    async with installed_queue(settings):
        first = await process_inbound(ctx, tenant_id=str(scope.tenant_id), event_id=str(event_id))
        again = await process_inbound(ctx, tenant_id=str(scope.tenant_id), event_id=str(event_id))
    assert first["message_id"] == again["message_id"] and again["duplicate"]
    message = await scope.objects(Message).first()
    path = media_root / str(scope.tenant_id) / message.media_path
    assert message.media_path == f"{message.created_at:%Y/%m}/{message.id}.jpg"
    assert path.read_bytes() == PHOTO and message.media_size == len(PHOTO)
    assert message.media_mime == "image/jpeg" and stat.S_IMODE(path.stat().st_mode) == 0o640
    assert not (media_root / str(scope.tenant_id) / staged).exists()


async def test_a_retry_after_a_crash_between_the_move_and_the_update_finds_the_file(cast, tmp_path):
    scope = TenantScope(cast.acme_owner.tenant_id)
    media_root = tmp_path / "media"
    staged = stage_inbound_media(media_root, scope.tenant_id, "3EB0IMG", PHOTO)
    stored = await inbox.store_inbound(scope, await _accept(scope, photo("3EB0IMG", staged)))
    message = await scope.get(Message, stored.message_id)
    tenant_dir = media_root / str(scope.tenant_id)
    moved = tenant_dir / f"{message.created_at:%Y/%m}/{message.id}.jpg"
    moved.parent.mkdir(parents=True)
    (tenant_dir / staged).replace(moved)  # the first attempt died right after its rename
    relative = await adopt_inbound_media(scope, message.id, staged, media_root)
    message = await scope.get(Message, message.id)
    assert message.media_path == relative and message.media_size == len(PHOTO)
    assert await adopt_inbound_media(scope, message.id, staged, media_root) == relative


async def test_a_staged_file_that_is_gone_is_said_on_the_message(cast, tmp_path):
    scope = TenantScope(cast.acme_owner.tenant_id)
    stored = await inbox.store_inbound(
        scope, await _accept(scope, photo("3EB0GONE", "inbound/3EB0GONE"))
    )
    assert await adopt_inbound_media(scope, stored.message_id, "inbound/3EB0GONE", tmp_path) == ""
    message = await scope.get(Message, stored.message_id)
    assert message.media_path == "" and message.error_code == "MEDIA_NOT_SAVED"
    assert message.error_detail == (
        "The image was received but its file is missing on this server; "
        "ask the customer to send it again."
    )
    assert message.text == "this cake?", "the message itself is kept"


async def test_only_staging_paths_are_adopted(cast, tmp_path):
    scope = TenantScope(cast.acme_owner.tenant_id)
    stored = await inbox.store_inbound(scope, await _accept(scope, photo("M1", "inbound/M1")))
    for foreign in ("../../etc/passwd", "inbound/../../x", "inbound/a/b", "2026/11/x.jpg", ""):
        with pytest.raises(Invalid):
            await adopt_inbound_media(scope, stored.message_id, foreign, tmp_path)


def test_staging_names_are_stable_and_never_leave_the_staging_directory():
    assert staged_name("3EB0C767D26A3D0A4C3E") == "inbound/3EB0C767D26A3D0A4C3E"
    odd = staged_name("../../etc/passwd")
    assert odd == staged_name("../../etc/passwd") and odd.count("/") == 1
    assert len(odd.removeprefix("inbound/")) == 64


def test_events_accepted_before_media_files_existed_still_load():
    payload = photo("OLD1", "").to_json()
    del payload["media_file"], payload["media_error"]
    message = InboundMessage.from_json(payload)
    assert message.media_file == "" and message.media_error == ""
    assert message == photo("OLD1", "")

"""Run the real WhatsApp-Web runner, with real neonize, in a fresh process.

Started by ``test_real_neonize.py`` as ``python -m tests.session.neonize_probe``
(never imported by pytest: neonize starts a Go runtime, after which ``fork``
hangs). It prints one JSON line: what the session loop did with WhatsApp
unreachable, and how the runner reads neonize's real protobuf events.
"""

import asyncio
import inspect
import json
import os
import sys

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.lib import redis as redis_lib
from b2a.schema.tables import all_tables
from b2a.session.bridge import Bridge
from b2a.session.main import SessionProcess
from b2a.session.process import wanted_tenants, web_runners
from b2a.session.web_client import neonize_client
from b2a.session.web_kinds import media_part
from b2a.session.web_messages import FAILURE_REASONS, to_inbound
from b2a.settings import load_settings


def real_event_shapes() -> dict:
    from neonize.client import NewClient
    from neonize.exc import DownloadError, NeonizeError
    from neonize.proto import Neonize_pb2 as pb
    from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as e2e

    event = pb.Message(
        Info=pb.MessageInfo(
            MessageSource=pb.MessageSource(
                Chat=pb.JID(User="19876543210", Server="lid"),
                Sender=pb.JID(User="19876543210", Server="lid"),
                SenderAlt=pb.JID(User="923001234567", Server="s.whatsapp.net"),
                IsFromMe=False,
                IsGroup=False,
            ),
            ID="REAL1",
            Pushname="Ayesha",
            Timestamp=1_700_000_000_000,
        ),
        Message=e2e.Message(extendedTextMessage=e2e.ExtendedTextMessage(text="hello")),
    )
    group = pb.Message(
        Info=pb.MessageInfo(
            MessageSource=pb.MessageSource(Chat=pb.JID(User="120363", Server="g.us"), IsGroup=True),
            ID="REAL2",
        ),
        Message=e2e.Message(conversation="hi all"),
    )
    image = pb.Message(
        Info=pb.MessageInfo(
            MessageSource=pb.MessageSource(
                Chat=pb.JID(User="923001234567", Server="s.whatsapp.net")
            ),
            ID="REAL3",
        ),
        Message=e2e.Message(imageMessage=e2e.ImageMessage(caption="menu", mimetype="image/jpeg")),
    )
    document = pb.Message(
        Info=pb.MessageInfo(
            MessageSource=pb.MessageSource(
                Chat=pb.JID(User="923001234567", Server="s.whatsapp.net")
            ),
            ID="REAL4",
        ),
        Message=e2e.Message(
            documentMessage=e2e.DocumentMessage(
                fileName="prices.pdf", mimetype="application/pdf", fileLength=123
            )
        ),
    )
    voice = e2e.Message(audioMessage=e2e.AudioMessage(mimetype="audio/ogg", PTT=True))
    inbound = to_inbound(event, allow_groups=False)
    picture = to_inbound(image, allow_groups=False)
    pdf = to_inbound(document, allow_groups=False)
    pdf_part = media_part(document.Message)
    voice_part = media_part(voice)
    return {
        "inbound": inbound.to_json() if inbound else None,
        "group_ignored": to_inbound(group, allow_groups=False) is None,
        "image": [picture.kind, picture.text, picture.media_mime] if picture else None,
        "document": [pdf.kind, pdf.text, pdf.media_mime, pdf.filename] if pdf else None,
        "document_length": pdf_part[1].fileLength if pdf_part else None,
        "voice": [voice_part[0], voice_part[1].mimetype] if voice_part else None,
        "text_has_no_file": media_part(event.Message) is None,
        "download_any": list(inspect.signature(NewClient.download_any).parameters),
        "download_error": issubclass(DownloadError, NeonizeError),
        "reasons": [pb.ConnectFailureReason.Name(code) for code in sorted(FAILURE_REASONS)],
        "pair_success": int(pb.PairStatus.SUCCESS),
    }


async def main() -> dict:
    settings = load_settings(dict(os.environ))
    engine = create_engine(settings.db)
    bind_engine(engine, all_tables())
    await start_pool(engine)
    redis = redis_lib.connect(settings.redis)
    attempts = []

    def counting_client(tenant_id, path, emit):
        attempts.append(tenant_id)
        return neonize_client(tenant_id, path, emit)

    bridge = Bridge(redis)
    process = SessionProcess(
        settings, redis, wanted_tenants, web_runners(settings, redis, bridge, counting_client)
    )
    try:
        for _ in range(3):  # the first start fails; it never connected, so nothing retries
            await process.tick()
            await process.settle()
        return {
            "attempts": len(attempts),
            "runners": list(process.runners),
            "failures": {t: b.failures for t, b in process._backoff.items()},
            "shapes": real_event_shapes(),
        }
    finally:
        await redis.aclose()
        await close_pool(engine)


if __name__ == "__main__":
    result = asyncio.run(main())
    print("PROBE " + json.dumps(result), flush=True)
    sys.stdout.flush()

"""Rebuild every WhatsApp-Web sample with neonize's real protobuf classes, and read it.

Started by ``test_real_neonize.py`` as ``python -m tests.session.neonize_kinds_probe``
(never imported by pytest: neonize starts a Go runtime, after which ``fork``
hangs). Each sample of ``tests/fakes/web_samples.py`` is copied field by field
into neonize's real ``Neonize_pb2.Message``, which fails on any field name or
value the real protobufs do not have. It prints one JSON line: what
``to_inbound`` makes of each real event, and the field names and enum values
``b2a.session.web_kinds`` relies on.
"""

import json
import sys
from typing import Any

from b2a.session import web_kinds
from b2a.session.web_kinds import media_part, unwrapped
from b2a.session.web_messages import to_inbound
from tests.fakes.web_samples import IGNORED, SAMPLES, shape


def real(fake: Any, target: Any) -> Any:
    """``target`` (a real protobuf) with every field set on ``fake``, recursively."""
    target.SetInParent()
    for field, value in fake.ListFields():
        descriptor = target.DESCRIPTOR.fields_by_name[field.name]  # KeyError: no such field
        if descriptor.message_type is None:
            if descriptor.is_repeated:
                getattr(target, field.name).extend(value)
            else:
                setattr(target, field.name, value)
        elif descriptor.is_repeated:
            for item in value:
                real(item, getattr(target, field.name).add())
        else:
            real(value, getattr(target, field.name))
    return target


def main() -> dict:
    from neonize.proto import Neonize_pb2 as pb
    from neonize.proto.waE2E import WAWebProtobufsE2E_pb2 as e2e

    events = {name: real(fake, pb.Message()) for name, fake in SAMPLES.items()}
    inbound = {name: to_inbound(event, allow_groups=False) for name, event in events.items()}
    names = [
        *web_kinds.SILENT,
        *(name for name, _ in web_kinds.MEDIA),
        *web_kinds.POLLS,
        *web_kinds.REPLY_SOURCES,
        *(name for name, _ in web_kinds._READERS),
    ]
    ad_media = e2e.ContextInfo.ExternalAdReplyInfo.MediaType
    keyed = pb.Message(
        Info=pb.MessageInfo(
            MessageSource=pb.MessageSource(Chat=pb.JID(User="1555", Server="s.whatsapp.net")),
            ID="K1",
        ),
        Message=e2e.Message(
            imageMessage=e2e.ImageMessage(
                mimetype="image/jpeg", mediaKey=b"secret", JPEGThumbnail=b"\xff", height=9
            ),
            messageContextInfo=e2e.MessageContextInfo(messageSecret=b"secret"),
        ),
    )
    return {
        "rows": {
            name: json.loads(json.dumps(m.to_json())) == m.to_json() for name, m in inbound.items()
        },
        "raw_unknown": inbound["unknown"].raw,
        "raw_keyed": to_inbound(keyed, allow_groups=False).raw,
        "inbound": {name: shape(m) if m else None for name, m in inbound.items()},
        "ignored": {
            name: to_inbound(real(fake, pb.Message()), allow_groups=False) is None
            for name, fake in IGNORED.items()
        },
        "files": {
            name: part[0]
            for name, event in events.items()
            if (part := media_part(unwrapped(event.Message))) is not None
        },
        "unknown_fields": sorted(set(names) - set(e2e.Message.DESCRIPTOR.fields_by_name)),
        "protocol_types": [
            e2e.ProtocolMessage.Type.Name(web_kinds.REVOKE),
            e2e.ProtocolMessage.Type.Name(web_kinds.MESSAGE_EDIT),
        ],
        "ad_media": {ad_media.Name(code): kind for code, kind in web_kinds.AD_MEDIA.items()},
    }


if __name__ == "__main__":
    print("PROBE " + json.dumps(main(), ensure_ascii=False), flush=True)
    sys.stdout.flush()

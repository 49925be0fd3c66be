"""A fake WhatsApp-Web client with neonize's event surface, for driving the session runner.

Events carry neonize's attribute paths (``event.Info.MessageSource.Sender.User``,
``event.Message.conversation``, ``HasField``…); the real-neonize test checks that
the same code reads neonize's real protobufs identically.

Each builder below makes one content field of ``waE2E.Message`` with the field
names of neonize's protobufs (the real-neonize probe rebuilds every sample from
them with the real classes, so a wrong name fails there).

Media parts name their file by ``directPath`` as WhatsApp's do; the client's
``media`` dict plays WhatsApp's media servers (path → bytes): a path it does not
hold fails like an expired link, and ``download_failures`` makes the next
downloads fail like a network blip.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from b2a.session.web_client import DownloadFailed

MEDIA_FIELDS = {
    "image": "imageMessage",
    "video": "videoMessage",
    "audio": "audioMessage",
    "document": "documentMessage",
    "sticker": "stickerMessage",
}
EXPIRED_LINK = 'Get "https://mmg.whatsapp.net{path}?oh=SECRET-TOKEN&oe=1": 410 Gone'


class Proto:
    """A protobuf-like object: fields as attributes, ``HasField`` for the ones set."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)
        self._set = set(fields)

    def HasField(self, name: str) -> bool:  # noqa: N802 - protobuf's spelling
        return name in self._set

    def ListFields(self) -> list[tuple[Field, Any]]:  # noqa: N802 - protobuf's spelling
        return [(Field(name), getattr(self, name)) for name in self._set]


@dataclass(frozen=True)
class Field:
    """The part of a protobuf field descriptor that ``ListFields`` callers read."""

    name: str


def jid(text: str = "") -> Proto:
    user, _, server = text.partition("@")
    return Proto(User=user, Server=server, Device=0)


def media(
    kind: str,
    path: str,
    *,
    mimetype: str,
    caption: str = "",
    file_name: str = "",
    file_length: int = 0,
    animated: bool = False,
    context: Proto | None = None,
) -> tuple[str, Proto]:
    """An image, video, audio, document or sticker part (``ImageMessage``…)."""
    fields: dict[str, Any] = {"mimetype": mimetype, "directPath": path, "fileLength": file_length}
    if kind not in ("audio", "sticker"):
        fields["caption"] = caption
    if kind == "document":
        fields["fileName"] = file_name
    if kind == "sticker":
        fields["isAnimated"] = animated
    return MEDIA_FIELDS[kind], _with_context(Proto(**fields), context)


def _with_context(part: Proto, context: Proto | None) -> Proto:
    if context is not None:
        part.contextInfo = context
        part._set.add("contextInfo")
    return part


def context(quoted: str = "", *, ad: Proto | None = None) -> Proto:
    """A ``ContextInfo``: the quoted message's id and the ad the customer came from."""
    fields: dict[str, Any] = {"stanzaID": quoted, "participant": ""}
    if ad is not None:
        fields["externalAdReply"] = ad
    return Proto(**fields)


def ad(*, headline: str, body: str, url: str, source_id: str, clid: str) -> Proto:
    """An ``ExternalAdReplyInfo`` (a click-to-WhatsApp ad, image media)."""
    return Proto(
        title=headline,
        body=body,
        mediaType=1,
        sourceType="ad",
        sourceID=source_id,
        sourceURL=url,
        ctwaClid=clid,
    )


def key(target: str) -> Proto:
    """A ``MessageKey`` naming an earlier message."""
    return Proto(ID=target, remoteJID="", fromMe=False, participant="")


def extended_text(text: str, *, quoted: str = "", ad: Proto | None = None) -> tuple[str, Proto]:
    """Text with a quote or an ad attached (``ExtendedTextMessage``)."""
    part = Proto(text=text)
    return "extendedTextMessage", _with_context(part, context(quoted, ad=ad))


def reaction(target: str, emoji: str) -> tuple[str, Proto]:
    """A ``ReactionMessage``; an empty emoji takes the reaction away."""
    return "reactionMessage", Proto(key=key(target), text=emoji, senderTimestampMS=1)


def protocol(kind: int, target: str = "", **fields: Any) -> tuple[str, Proto]:
    """A ``ProtocolMessage`` of a ``ProtocolMessage.Type`` (0 revoke, 14 edit, 5 history…)."""
    return "protocolMessage", Proto(key=key(target), type=kind, **fields)


def edit(target: str, **new: Any) -> tuple[str, Proto]:
    """An edit: the new content, e.g. ``conversation="…"`` or an ``imageMessage``."""
    return protocol(14, target, editedMessage=Proto(**{"conversation": "", **new}))


def contact(display_name: str, vcard: str, *, quoted: str = "") -> tuple[str, Proto]:
    """One shared contact card (``ContactMessage``)."""
    part = Proto(displayName=display_name, vcard=vcard)
    return "contactMessage", _with_context(part, context(quoted) if quoted else None)


def contacts(display_name: str, cards: list[tuple[str, str]]) -> tuple[str, Proto]:
    """Several shared contacts (``ContactsArrayMessage``), each (display name, vCard)."""
    shared = [Proto(displayName=name, vcard=vcard) for name, vcard in cards]
    return "contactsArrayMessage", Proto(displayName=display_name, contacts=shared)


def location(
    latitude: float, longitude: float, *, name: str = "", address: str = "", url: str = ""
) -> tuple[str, Proto]:
    """A ``LocationMessage``: a pin, or a named place."""
    part = Proto(
        degreesLatitude=latitude,
        degreesLongitude=longitude,
        name=name,
        address=address,
        URL=url,
    )
    return "locationMessage", part


def live_location(latitude: float, longitude: float, caption: str = "") -> tuple[str, Proto]:
    """A ``LiveLocationMessage``."""
    part = Proto(degreesLatitude=latitude, degreesLongitude=longitude, caption=caption)
    return "liveLocationMessage", part


def poll(
    question: str, options: list[str], *, selectable: int = 1, version: str = ""
) -> tuple[str, Proto]:
    """A ``PollCreationMessage`` (``version`` "V2", "V3"… for the later fields)."""
    part = Proto(
        name=question,
        options=[Proto(optionName=option) for option in options],
        selectableOptionsCount=selectable,
    )
    return f"pollCreationMessage{version}", part


def poll_vote(poll_id: str) -> tuple[str, Proto]:
    """A ``PollUpdateMessage``: the vote itself is encrypted."""
    vote = Proto(encPayload=b"\x01\x02", encIV=b"\x03")
    return "pollUpdateMessage", Proto(pollCreationMessageKey=key(poll_id), vote=vote)


def order(
    order_id: str,
    *,
    title: str,
    items: int,
    total1000: int | None,
    currency: str,
    note: str = "",
) -> tuple[str, Proto]:
    """An ``OrderMessage``: a cart from the catalogue, total in thousandths."""
    fields: dict[str, Any] = {
        "orderID": order_id,
        "orderTitle": title,
        "itemCount": items,
        "message": note,
        "totalCurrencyCode": currency,
    }
    if total1000 is not None:
        fields["totalAmount1000"] = total1000
    return "orderMessage", Proto(**fields)


def button_reply(button_id: str, title: str, *, quoted: str = "") -> tuple[str, Proto]:
    """A tapped reply button (``ButtonsResponseMessage``)."""
    part = Proto(selectedButtonID=button_id, selectedDisplayText=title, type=1)
    return "buttonsResponseMessage", _with_context(part, context(quoted) if quoted else None)


def list_reply(row_id: str, title: str, description: str = "") -> tuple[str, Proto]:
    """A chosen list row (``ListResponseMessage``)."""
    part = Proto(
        title=title,
        description=description,
        listType=1,
        singleSelectReply=Proto(selectedRowID=row_id),
    )
    return "listResponseMessage", part


def template_reply(button_id: str, title: str) -> tuple[str, Proto]:
    """A tapped template quick-reply button (``TemplateButtonReplyMessage``)."""
    part = Proto(selectedID=button_id, selectedDisplayText=title, selectedIndex=0)
    return "templateButtonReplyMessage", part


def flow_reply(name: str, params_json: str, body: str = "") -> tuple[str, Proto]:
    """A WhatsApp Flow's answers (``InteractiveResponseMessage``)."""
    flow = Proto(name=name, paramsJSON=params_json, version=3)
    part = Proto(nativeFlowResponseMessage=flow, body=Proto(text=body))
    return "interactiveResponseMessage", part


def wrapped(wrapper: str, part: tuple[str, Proto]) -> tuple[str, Proto]:
    """A part inside an envelope (``ephemeralMessage``, ``viewOnceMessageV2``…)."""
    return wrapper, Proto(message=Proto(conversation="", **dict([part])))


def message_event(
    *,
    id: str,
    chat: str,
    text: str = "",
    sender: str | None = None,
    from_me: bool = False,
    is_group: bool = False,
    pushname: str = "",
    timestamp_ms: int = 1_700_000_000_000,
    sender_alt: str = "",
    recipient_alt: str = "",
    attachment: tuple[str, Proto] | None = None,
    parts: tuple[tuple[str, Proto], ...] = (),
) -> Proto:
    """A ``neonize.proto.Neonize_pb2.Message`` event, by attribute path.

    ``attachment`` is a part made by ``media``; ``parts`` more fields of the
    message, made by the builders above.
    """
    content: dict[str, Any] = {"conversation": text}
    content.update(parts)
    if attachment is not None:
        content[attachment[0]] = attachment[1]
    message = Proto(**content)
    source = Proto(
        Chat=jid(chat),
        Sender=jid(sender or chat),
        IsFromMe=from_me,
        IsGroup=is_group,
        SenderAlt=jid(sender_alt),
        RecipientAlt=jid(recipient_alt),
    )
    info = Proto(MessageSource=source, ID=id, Pushname=pushname, Timestamp=timestamp_ms)
    return Proto(Info=info, Message=message)


@dataclass
class FakeWebClient:
    """One tenant's fake connection; ``on_connect`` scripts what connecting does."""

    tenant_id: str
    session_db: Path
    emit: Any
    on_connect: str
    sent: list[tuple[str, str]] = field(default_factory=list)
    typing: list[str] = field(default_factory=list)
    typing_fails: bool = False
    logged_out: bool = False
    stops: int = 0
    media: dict[str, bytes] = field(default_factory=dict)
    download_failures: int = 0
    downloads: list[str] = field(default_factory=list)
    _stopped: threading.Event = field(default_factory=threading.Event)

    def connect(self) -> None:
        if self.on_connect == "unreachable":
            raise ConnectionError("dial tcp: lookup web.whatsapp.com: no such host")
        if self.on_connect == "crash":
            raise RuntimeError("go: nil pointer dereference")
        self.emit("qr" if self.on_connect == "qr" else "connected", self._first_event())
        self._stopped.wait()

    def _first_event(self) -> Any:
        return "2@fake-qr-code,abc,def" if self.on_connect == "qr" else Proto(status=True)

    def stop(self) -> None:
        self.stops += 1
        self._stopped.set()

    def logout(self) -> None:
        self.logged_out = True

    def pair_phone(self, phone: str) -> str:
        return "ABCD1234"

    def send_text(self, to: str, text: str) -> str:
        self.sent.append((to, text))
        return f"WA{len(self.sent)}"

    def send_media(self, to: str, kind: str, path: str, caption: str, filename: str) -> str:
        self.sent.append((to, f"{kind}:{path}:{caption}"))
        return f"WA{len(self.sent)}"

    def set_typing(self, to: str, typing: bool) -> None:
        if self.typing_fails:
            raise RuntimeError("presence refused")
        self.typing.append(to)

    def download_media(self, message: Any) -> bytes:
        part = next(getattr(message, f) for f in MEDIA_FIELDS.values() if message.HasField(f))
        self.downloads.append(part.directPath)
        if self.download_failures:
            self.download_failures -= 1
            raise DownloadFailed("dial tcp 157.240.0.1:443: i/o timeout")
        if part.directPath not in self.media:
            raise DownloadFailed(EXPIRED_LINK.format(path=part.directPath))
        return self.media[part.directPath]


@dataclass
class FakeWhatsApp:
    """Builds fake clients, scripted per tenant, and remembers them."""

    default: str = "connected"
    scripts: dict[str, str] = field(default_factory=dict)
    clients: dict[str, list[FakeWebClient]] = field(default_factory=dict)

    def __call__(self, tenant_id: str, session_db: Path, emit: Any) -> FakeWebClient:
        client = FakeWebClient(
            tenant_id, session_db, emit, self.scripts.get(tenant_id, self.default)
        )
        self.clients.setdefault(tenant_id, []).append(client)
        return client

    def last(self, tenant_id: str) -> FakeWebClient:
        return self.clients[str(tenant_id)][-1]

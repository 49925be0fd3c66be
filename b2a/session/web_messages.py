"""neonize's events in b2a's words: inbound messages and connection failures.

Everything here reads neonize's protobuf events by attribute path only
(``message.Info.MessageSource.Sender`` …) and never imports neonize, so the
fake client in the tests drives the same code the real events do.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from b2a.inbox.rules import IdentityKind
from b2a.session.web_kinds import content, media_part, plain, unwrapped
from b2a.whatsapp.inbound import Identity, InboundKind, InboundMessage

PHONE_SERVER = "s.whatsapp.net"
LID_SERVER = "lid"
GROUP_SERVER = "g.us"
BROADCAST_SERVER = "broadcast"

# neonize's ConnectFailureReason values (checked against the real enum by the tests).
FAILURE_REASONS = {
    1: "WhatsApp refused the connection",
    2: "the phone logged this device out",
    3: "WhatsApp has temporarily banned this number",
    4: "the phone's WhatsApp account is gone (reinstalled or deleted)",
    5: "WhatsApp logged this device out",
    6: "this WhatsApp-Web client is outdated: upgrade b2a",
    7: "WhatsApp rejected this client",
    8: "WhatsApp had an internal error",
    9: "WhatsApp refused an experimental client",
    10: "WhatsApp is unavailable right now",
}
# TemporaryBan.TempBanReason values.
BAN_REASONS = {
    1: "it sent to too many people",
    2: "too many people blocked it",
    3: "it created too many groups",
    4: "it sent the same message too many times",
    5: "of its broadcast lists",
}
MB = 1024 * 1024


def jid_text(jid: Any) -> str:
    """``user@server`` without the device part; empty for an empty JID."""
    return f"{jid.User}@{jid.Server}" if jid.User else ""


def failure_reason(reason: int) -> str:
    """A ConnectFailure or LoggedOut reason in plain words."""
    return FAILURE_REASONS.get(int(reason), f"WhatsApp closed the connection (reason {reason})")


_UNREACHABLE = (
    "WhatsApp cannot be reached from this server: {cause}. The operator of this appliance "
    "should check that the server can reach the internet, then you can try again."
)
_CAUSES = (
    (
        ("no such host", "lookup ", "name resolution", "resolve", "server misbehaving"),
        "its address could not be looked up (DNS)",
    ),
    (("proxy",), "the proxy server refused the connection"),
    (
        ("connection refused", "network is unreachable", "no route to host"),
        "the connection was refused",
    ),
    (("timeout", "timed out", "deadline exceeded"), "the connection timed out"),
    (("certificate", "x509", "tls"), "the secure connection failed (check the server's clock)"),
)


def unreachable_reason(raw: str) -> str:
    """A failed connection in plain words; the raw error (logged by the caller) never shows."""
    lowered = raw.lower()
    for needles, cause in _CAUSES:
        if any(needle in lowered for needle in needles):
            return _UNREACHABLE.format(cause=cause)
    return _UNREACHABLE.format(cause="the connection closed before WhatsApp answered")


def ban_reason(code: int, expire_seconds: int) -> str:
    """A TemporaryBan in plain words, with how long it lasts."""
    why = BAN_REASONS.get(int(code), "of unusual activity")
    hours = max(1, round(int(expire_seconds) / 3600))
    return (
        f"WhatsApp has temporarily banned this number because {why}; "
        f"it lifts in about {hours} h. Sending less often avoids bans."
    )


def without_links(text: str) -> str:
    """An error from WhatsApp's media servers without its URLs (they carry access tokens)."""
    return re.sub(r"https?://[^\s\"']+", "<link>", text)


def media_not_downloaded(kind: str, cause: str) -> str:
    """Why a message has no file, for agents: WhatsApp would not hand it over."""
    return (
        f"The {kind} could not be downloaded from WhatsApp ({without_links(cause)}); "
        "ask the customer to send it again."
    )


def media_not_saved(kind: str, cause: str) -> str:
    """Why a message has no file, for agents: this server could not keep it."""
    return (
        f"The {kind} arrived but could not be saved on this server ({cause}); "
        "ask the customer to send it again once the server is fixed."
    )


def media_too_large(kind: str, size: int, limit: int) -> str:
    """Why a message has no file, for agents: it is over what b2a stores."""
    return (
        f"The {kind} was not downloaded: it is {size / MB:.0f} MB and b2a keeps files "
        f"up to {limit / MB:.0f} MB; ask the customer for a smaller file or a link."
    )


def _person(main: Any, alt: Any) -> tuple[list[Identity], str]:
    """Identities and phone digits of one person from a chat/sender JID and its alternative."""
    identities: list[Identity] = []
    phone = ""
    if jid_text(main):
        identities.append(Identity(IdentityKind.JID, jid_text(main)))
    for jid in (main, alt):
        if not jid.User:
            continue
        if jid.Server == PHONE_SERVER and not phone:
            phone = jid.User
            identities.append(Identity(IdentityKind.PHONE, jid.User))
        elif jid.Server == LID_SERVER:
            identities.append(Identity(IdentityKind.LID, jid_text(jid)))
    return list(dict.fromkeys(identities)), phone


def to_inbound(event: Any, *, allow_groups: bool) -> InboundMessage | None:
    """A neonize ``Message`` event as an inbound message; None when it is to be ignored.

    Every kind has its shape (``web_kinds``). Ignored: group chats and status
    broadcasts unless the tenant allows them, our own status posts, and messages
    with nothing to show (keys, sync, encrypted votes). A message typed on the
    paired phone (``IsFromMe``) becomes an echo, which the inbox counts as a human
    reply. In a group the conversation is the group and the text names the sender
    (not a reaction's emoji or a deletion, which change an earlier message).
    """
    info = event.Info
    source = info.MessageSource
    chat = source.Chat
    grouped = source.IsGroup or chat.Server == GROUP_SERVER
    broadcast = chat.Server == BROADCAST_SERVER
    if (grouped or broadcast) and not allow_groups:
        return None
    if broadcast and source.IsFromMe:
        return None
    shown = content(event.Message)
    if shown is None:
        return None
    text = shown.text
    part = media_part(unwrapped(event.Message))
    mime = part[1].mimetype if part else ""
    filename = getattr(part[1], "fileName", "") if part else ""
    if grouped:
        identities, phone = [Identity(IdentityKind.JID, jid_text(chat))], ""
        named = text and shown.kind not in (InboundKind.REACTION, InboundKind.REVOKE)
        if named and not source.IsFromMe and info.Pushname:
            text = f"{info.Pushname}: {text}"
    elif broadcast:
        identities, phone = _person(source.Sender, source.SenderAlt)
    else:
        alt = source.RecipientAlt if source.IsFromMe else source.SenderAlt
        identities, phone = _person(chat, alt)
    return InboundMessage(
        wa_message_id=info.ID,
        identities=identities,
        phone=phone,
        profile_name="" if source.IsFromMe or grouped else info.Pushname,
        kind=shown.kind,
        text=text,
        sent_at=datetime.fromtimestamp(info.Timestamp / 1000, tz=UTC),
        media_mime=mime,
        filename=filename,
        from_me=source.IsFromMe,
        extra={"chat": jid_text(chat)},
        data=shown.data,
        target_id=shown.target_id,
        reply_to=shown.reply_to,
        raw=plain(event.Message),
    )

"""WhatsApp Cloud API failure codes in plain words, and whether a retry can help."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Failure:
    """What an agent is told about a failed message, and whether the worker retries."""

    code: str
    plain: str
    permanent: bool


_KNOWN: dict[str, tuple[str, bool]] = {
    "0": ("WhatsApp could not authenticate this number's token; reconnect the channel.", True),
    "190": ("The access token expired or was revoked; paste a new token in Settings.", True),
    "10": ("The app lacks permission to send for this number; check its WhatsApp setup.", True),
    "100": ("WhatsApp rejected the request as invalid.", True),
    "130429": ("Too many messages per second from this number; it will be retried.", False),
    "131000": ("WhatsApp had an unexpected problem; it will be retried.", False),
    "131005": ("Permission denied by WhatsApp for this number.", True),
    "131008": ("A required part of the message was missing.", True),
    "131009": ("A value in the message is not allowed.", True),
    "131016": ("WhatsApp is temporarily unavailable; it will be retried.", False),
    "131021": ("The recipient is this business's own number.", True),
    "131026": (
        "The message could not be delivered: the number may not be on WhatsApp, "
        "may have an old app, or has not accepted WhatsApp's terms.",
        True,
    ),
    "131031": ("WhatsApp has locked this business account; see Meta Business Manager.", True),
    "131042": ("There is a payment problem on the WhatsApp Business account.", True),
    "131045": ("This phone number is not registered with the Cloud API.", True),
    "131047": (
        "More than 24 hours have passed since the customer last wrote: "
        "only an approved template can be sent now.",
        True,
    ),
    "131048": ("WhatsApp limited sending because of spam reports; slow down.", False),
    "131049": (
        "WhatsApp chose not to deliver this marketing message to keep engagement healthy.",
        True,
    ),
    "131050": ("The customer stopped marketing messages from this business.", True),
    "131051": ("This message type is not supported.", True),
    "131052": ("The customer's media could not be downloaded.", True),
    "131053": ("The media could not be uploaded; check its type and size.", True),
    "131056": (
        "Too many messages to this customer in a short time; it will be retried.",
        False,
    ),
    "131057": ("The business account is in maintenance mode; it will be retried.", False),
    "132000": ("The template's variables do not match its approved text.", True),
    "132001": ("The template does not exist in this language, or is not approved yet.", True),
    "132005": ("The filled-in template text is too long.", True),
    "132007": ("The template text breaks WhatsApp's formatting rules.", True),
    "132012": ("A template variable has the wrong format.", True),
    "132015": ("The template is paused because of low quality.", True),
    "132016": ("The template is disabled because of low quality.", True),
    "133010": ("This phone number is not registered on WhatsApp yet.", True),
    "368": ("WhatsApp temporarily blocked this account for policy violations.", True),
    "470": (
        "More than 24 hours have passed since the customer last wrote: "
        "only an approved template can be sent now.",
        True,
    ),
    "80007": ("The WhatsApp Business account hit its rate limit; it will be retried.", False),
}


CODE_MAX = 16
DETAIL_MAX = 500


def describe_failure(code: str | int, detail: str = "") -> Failure:
    """Plain words for a WhatsApp error code; unknown codes keep WhatsApp's own detail."""
    # Cut to the columns that keep them (Message.error_code, error_detail): a webhook
    # may name any code and say anything.
    key = str(code).strip()[:CODE_MAX] or "unknown"
    if key in _KNOWN:
        plain, permanent = _KNOWN[key]
        return Failure(key, plain, permanent)
    words = f"WhatsApp refused the message (code {key})"
    plain = f"{words}: {detail}" if detail else f"{words}."
    return Failure(key, plain[:DETAIL_MAX], permanent=True)

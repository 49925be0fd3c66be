"""Every kind of WhatsApp-Web message in the shape the Cloud API gives it (b2a.whatsapp.inbound)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.session.web_kinds import media_part, unwrapped
from b2a.session.web_messages import to_inbound
from b2a.whatsapp.inbound import ANNOTATIONS, InboundKind, InboundMessage
from tests.fakes.web_client import (
    Proto,
    edit,
    extended_text,
    media,
    message_event,
    protocol,
    reaction,
)
from tests.fakes.web_samples import CUSTOMER, EXPECTED, IGNORED, SAMPLES, expected, shape


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_kind_has_the_contract_shape(name):
    message = to_inbound(SAMPLES[name], allow_groups=False)
    assert message is not None
    assert shape(message) == expected(name)
    assert message.phone == "923001234567" and message.wa_message_id == SAMPLES[name].Info.ID


def test_every_sample_has_its_expectation():
    assert sorted(SAMPLES) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(IGNORED))
def test_keys_sync_and_encrypted_votes_are_ignored(name):
    assert to_inbound(IGNORED[name], allow_groups=False) is None


def test_a_sticker_and_a_view_once_photo_are_files_to_download():
    sticker = unwrapped(SAMPLES["sticker"].Message)
    assert media_part(sticker)[0] == "sticker"
    photo = unwrapped(SAMPLES["view_once"].Message)
    kind, part = media_part(photo)
    assert kind == "image" and part.directPath == "/v/once"
    assert media_part(unwrapped(SAMPLES["edit_caption"].Message)) is None, "an edit has no file"


GROUP = dict(chat="120363@g.us", sender=CUSTOMER, is_group=True, pushname="Ali")


def test_in_a_group_words_name_their_sender_but_reactions_and_deletions_do_not():
    def grouped(*parts):
        event = message_event(id="G", parts=parts, **GROUP)
        return to_inbound(event, allow_groups=True)

    assert grouped(extended_text("hi all", quoted="G0")).text == "Ali: hi all"
    assert grouped(edit("G0", conversation="hi everyone")).text == "Ali: hi everyone"
    assert grouped(reaction("G0", "🎉")).text == "🎉"
    assert grouped(protocol(0, "G0")).text == ""
    sticker = grouped(media("sticker", "/v/s", mimetype="image/webp"))
    assert sticker.kind == "sticker" and sticker.text == ""
    assert to_inbound(message_event(id="G", text="hi", **GROUP), allow_groups=False) is None


def test_a_reaction_without_a_target_is_ignored():
    event = message_event(id="R", chat=CUSTOMER, parts=(reaction("", "👍"),))
    assert to_inbound(event, allow_groups=False) is None


def test_a_reaction_typed_on_the_paired_phone_is_an_echo():
    event = message_event(id="R", chat=CUSTOMER, from_me=True, parts=(reaction("IN1", "❤️"),))
    message = to_inbound(event, allow_groups=False)
    assert message.from_me and message.kind == "reaction" and message.target_id == "IN1"


def test_the_first_unknown_field_names_an_unsupported_message_whatever_comes_along():
    event = message_event(
        id="U",
        chat=CUSTOMER,
        parts=(
            ("messageContextInfo", Proto(messageSecret=b"s")),
            ("groupInviteMessage", Proto(groupName="Cake lovers")),
        ),
    )
    message = to_inbound(event, allow_groups=False)
    assert message.kind == "unsupported" and "“groupInviteMessage”" in message.text
    assert message.data == {"type": "groupInviteMessage", "errors": []}


PARTS = [
    (field.name, value)
    for event in (*SAMPLES.values(), *IGNORED.values())
    for field, value in event.Message.ListFields()
    if field.name != "conversation"
]
"""Every content field of the samples, to mix: a message rarely has two, but may."""


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(PARTS), max_size=4),
    st.text(max_size=5),
    st.booleans(),
    st.booleans(),
)
def test_any_mix_of_fields_reads_as_one_contract_kind_or_nothing(parts, text, grouped, from_me):
    where = GROUP if grouped else {"chat": CUSTOMER}
    event = message_event(id="X", text=text, from_me=from_me, parts=tuple(parts), **where)
    message = to_inbound(event, allow_groups=True)
    if message is not None:
        assert message.kind in set(InboundKind)
        assert (message.target_id != "") == (message.kind in ANNOTATIONS)
        assert InboundMessage.from_json(message.to_json()) == message


def test_what_whatsapp_sent_is_kept_without_keys_or_thumbnails():
    unknown = to_inbound(SAMPLES["unknown"], allow_groups=False)
    assert unknown.raw == {
        "conversation": "",
        "eventMessage": {"name": "Tasting", "description": "Sat 5 pm"},
    }
    photo = Proto(mimetype="image/jpeg", directPath="/v/p", mediaKey=b"key", JPEGThumbnail=b"\xff")
    event = message_event(id="P", chat=CUSTOMER, parts=(("imageMessage", photo),))
    raw = to_inbound(event, allow_groups=False).raw
    assert raw == {
        "conversation": "",
        "imageMessage": {"mimetype": "image/jpeg", "directPath": "/v/p"},
    }
    contacts = to_inbound(SAMPLES["contacts"], allow_groups=False).raw["contactsArrayMessage"]
    assert [c["displayName"] for c in contacts["contacts"]] == ["Ana", "Bo"]

"""Every inbound kind stored as the contract says (b2a.whatsapp.inbound), on both engines."""

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.db.columns import json_value
from b2a.inbox import service as inbox
from b2a.inbox.annotations import Annotation
from b2a.inbox.rules import Author, Direction, Transport
from b2a.inbox.tables import (
    Channel,
    Conversation,
    Customer,
    CustomerIdentity,
    InboundEvent,
    Message,
)
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.inbound import Identity, InboundMessage

AT = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PHONE = "923001234567"

LOCATION = {
    "latitude": 24.8607,
    "longitude": 67.0011,
    "name": "Dolmen Mall",
    "address": "Clifton, Karachi",
    "url": "https://dolmenmall.com",
}
CONTACTS = {
    "contacts": [
        {
            "name": "Ana Silva",
            "org": "Silva Tailors",
            "phones": [{"phone": "+1 555 0100", "wa_id": "15550100", "type": "CELL"}],
            "emails": ["ana@silva.test"],
        }
    ]
}


def inbound(wamid, kind="text", text="hi", *, phone=PHONE, at=AT, **fields):
    identities = [Identity("wa_id", phone), Identity("phone", phone)]
    return InboundMessage(wamid, identities, phone, "Ayesha", kind, text, at, **fields)


async def _channel(scope):
    channel = scope.new(Channel, transport=Transport.CLOUD, phone_number_id=None)
    await channel.save()
    return channel.id


async def _receive(scope, channel_id, message):
    event_id = await inbox.accept_inbound(scope, channel_id, Transport.CLOUD, message)
    return await inbox.store_inbound(scope, event_id)


async def _message(scope, wamid):
    return await scope.objects(Message).where(Message.wa_message_id == wamid).first()


async def _outcomes(scope):
    rows = await scope.select(InboundEvent, InboundEvent.dedupe_key, InboundEvent.outcome).order_by(
        InboundEvent.created_at
    )
    return {row["dedupe_key"].removeprefix("msg:"): row["outcome"] for row in rows}


async def test_each_kind_is_stored_as_given_with_its_data_and_quote(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, inbound("w.text", text="salam"))
    await _receive(scope, channel, inbound("w.loc", "location", "📍 Dolmen Mall", data=LOCATION))
    await _receive(scope, channel, inbound("w.card", "contacts", "👤 Ana Silva", data=CONTACTS))
    await _receive(
        scope,
        channel,
        inbound("w.doc", "document", "", filename="menu.pdf", media_mime="application/pdf"),
    )
    await _receive(scope, channel, inbound("w.quote", text="this one please", reply_to="w.card"))
    location = await _message(scope, "w.loc")
    assert (location.kind, location.text) == ("location", "📍 Dolmen Mall")
    assert json_value(location.data) == LOCATION
    assert json_value((await _message(scope, "w.card")).data) == CONTACTS
    document = await _message(scope, "w.doc")
    assert json_value(document.data) == {"filename": "menu.pdf"}
    assert (await _message(scope, "w.quote")).reply_to == "w.card"
    conversation = await scope.objects(Conversation).first()
    assert conversation.unread_count == 5
    assert conversation.last_message_preview == "this one please"
    assert set((await _outcomes(scope)).values()) == {"stored"}


async def test_a_file_without_words_reads_well_in_the_conversation_list(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, inbound("w.img", "image", ""))
    assert (await scope.objects(Conversation).first()).last_message_preview == "📷 Photo"
    await _receive(scope, channel, inbound("w.doc", "document", "prices", filename="menu.pdf"))
    preview = (await scope.objects(Conversation).first()).last_message_preview
    assert preview == "📄 menu.pdf: prices"


async def test_a_reaction_lands_on_its_message_is_replaced_then_cleared(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, inbound("w.1", text="Do you deliver?"))
    done = await _receive(scope, channel, inbound("w.r1", "reaction", "👍", target_id="w.1"))
    assert isinstance(done, Annotation) and done.outcome == "applied"
    assert (await _message(scope, "w.1")).reaction == "👍"
    await _receive(scope, channel, inbound("w.r2", "reaction", "❤️", target_id="w.1"))
    assert (await _message(scope, "w.1")).reaction == "❤️"
    await _receive(scope, channel, inbound("w.r3", "reaction", "", target_id="w.1"))
    assert (await _message(scope, "w.1")).reaction == ""
    assert await scope.count(Message).run() == 1
    conversation = await scope.objects(Conversation).first()
    assert conversation.unread_count == 1
    assert conversation.last_message_preview == "Do you deliver?"
    assert (await _outcomes(scope))["w.r1"] == "applied"


async def test_an_edit_replaces_the_words_and_keeps_the_earlier_ones(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, inbound("w.1", text="2 shirts"))
    edit_at = AT + timedelta(minutes=2)
    await _receive(scope, channel, inbound("w.e1", "edit", "3 shirts", target_id="w.1", at=edit_at))
    event = await scope.objects(InboundEvent).where(InboundEvent.dedupe_key == "msg:w.e1").first()
    await inbox.store_inbound(scope, event.id)  # a retried job changes nothing more
    message = await _message(scope, "w.1")
    assert message.text == "3 shirts" and message.edited_at == edit_at
    history = json_value(message.history)
    assert [version["text"] for version in history] == ["2 shirts"]
    conversation = await scope.objects(Conversation).first()
    assert conversation.last_message_preview == "3 shirts"
    assert conversation.unread_count == 1
    # An older edit delivered late joins the history but does not hide the newest words.
    await _receive(
        scope,
        channel,
        inbound("w.e0", "edit", "1 shirt", target_id="w.1", at=AT + timedelta(minutes=1)),
    )
    message = await _message(scope, "w.1")
    assert message.text == "3 shirts"
    assert [v["text"] for v in json_value(message.history)] == ["2 shirts", "1 shirt"]


async def test_an_edit_of_an_earlier_message_leaves_the_list_preview_alone(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, inbound("w.1", text="first"))
    await _receive(scope, channel, inbound("w.2", text="second"))
    await _receive(scope, channel, inbound("w.e", "edit", "first!", target_id="w.1"))
    assert (await scope.objects(Conversation).first()).last_message_preview == "second"


async def test_a_deleted_message_is_blanked_unless_the_business_keeps_it(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, inbound("w.1", "location", "📍 Home", data=LOCATION))
    await _receive(scope, channel, inbound("w.d", "revoke", "", target_id="w.1"))
    message = await _message(scope, "w.1")
    assert message.deleted_at is not None
    assert (message.text, json_value(message.data), json_value(message.history)) == ("", {}, [])
    conversation = await scope.objects(Conversation).first()
    assert conversation.last_message_preview == "🚫 Deleted by the customer"

    await Tenant.update({Tenant.keep_deleted_text: True}).where(Tenant.id == scope.tenant_id)
    await _receive(scope, channel, inbound("w.2", text="my address is 12 Mall Road"))
    await _receive(scope, channel, inbound("w.d2", "revoke", "", target_id="w.2"))
    kept = await _message(scope, "w.2")
    assert kept.deleted_at is not None and kept.text == "my address is 12 Mall Road"
    assert await scope.count(Message).run() == 2


async def test_an_annotation_of_an_unknown_or_foreign_message_is_orphaned(cast):
    acme, globex = TenantScope(cast.acme_owner.tenant_id), TenantScope(cast.globex_owner.tenant_id)
    await _receive(globex, await _channel(globex), inbound("w.theirs", text="globex's"))
    channel = await _channel(acme)
    await _receive(acme, channel, inbound("w.mine", text="acme's", phone="923000000001"))
    unknown = await _receive(acme, channel, inbound("w.r1", "reaction", "👍", target_id="w.none"))
    foreign = await _receive(acme, channel, inbound("w.r2", "revoke", "", target_id="w.theirs"))
    # Another customer of the same business cannot touch this one's message either.
    other = await _receive(acme, channel, inbound("w.r3", "edit", "x", target_id="w.mine"))
    assert [unknown.outcome, foreign.outcome, other.outcome] == ["orphaned"] * 3
    outcomes = await _outcomes(acme)
    assert [outcomes[k] for k in ("w.r1", "w.r2", "w.r3")] == ["orphaned"] * 3
    assert await acme.count(InboundEvent).where(InboundEvent.processed_at.is_null()).run() == 0
    assert (await _message(globex, "w.theirs")).deleted_at is None
    assert (await _message(acme, "w.mine")).text == "acme's"
    assert await acme.count(Message).run() == 1
    assert await acme.count(Customer).run() == 1  # annotations create no customer


async def test_a_system_notice_is_whatsapps_word_and_moves_the_customer_to_the_new_number(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    await _receive(scope, channel, inbound("w.1", text="salam"))
    notice = "Ayesha changed their phone number to a new number"
    data = {"type": "user_changed_number", "body": notice, "new_wa_id": "923009999999"}
    stored = await _receive(scope, channel, inbound("w.sys", "system", notice, data=data))
    message = await scope.get(Message, stored.message_id)
    assert (message.author, message.direction, message.kind) == (
        Author.SYSTEM,
        Direction.INBOUND,
        "system",
    )
    conversation = await scope.get(Conversation, stored.conversation_id)
    assert conversation.unread_count == 1
    assert conversation.last_message_preview == notice
    customer = await scope.get(Customer, stored.customer_id)
    assert customer.phone == "923009999999"
    identities = await scope.select(CustomerIdentity, CustomerIdentity.kind, CustomerIdentity.value)
    assert {(i["kind"], i["value"]) for i in identities} == {
        ("wa_id", PHONE),
        ("phone", PHONE),
        ("wa_id", "923009999999"),
        ("phone", "923009999999"),
    }
    late = await _receive(scope, channel, inbound("w.late", text="old phone still"))
    moved = await _receive(scope, channel, inbound("w.new", text="hi", phone="923009999999"))
    assert late.conversation_id == moved.conversation_id == stored.conversation_id


async def test_a_kind_this_version_does_not_know_is_kept_as_unsupported(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope)
    stored = await _receive(scope, channel, inbound("w.x", "hologram", "[hologram]"))
    message = await scope.get(Message, stored.message_id)
    assert (message.kind, message.text) == ("unsupported", "[hologram]")


annotations = st.lists(
    st.one_of(
        st.tuples(st.just("reaction"), st.sampled_from(["👍", "❤️", "😂", ""])),
        st.tuples(st.just("edit"), st.integers(min_value=1, max_value=30)),
        st.tuples(st.just("revoke"), st.just("")),
        st.tuples(st.just("retry"), st.just("")),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=annotations)
async def test_any_run_of_annotations_leaves_one_message_showing_the_newest_words(cast, steps):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await scope.delete(InboundEvent)
    await scope.delete(Message)
    existing = await scope.objects(Channel).first()
    channel = existing.id if existing else await _channel(scope)
    await _receive(scope, channel, inbound("w.m", text="original"))
    newest, reaction, deleted, last_event = None, "", False, None
    for n, (kind, value) in enumerate(steps):
        if kind == "retry":
            if last_event is not None:
                await inbox.store_inbound(scope, last_event)  # a job retried after its commit
            continue
        at = AT + timedelta(minutes=value) if kind == "edit" else AT
        text = f"edit at {value}" if kind == "edit" else value
        message = inbound(f"w.a{n}", kind, text, target_id="w.m", at=at)
        last_event = await inbox.accept_inbound(scope, channel, Transport.CLOUD, message)
        await inbox.store_inbound(scope, last_event)
        if kind == "reaction":
            reaction = value
        elif kind == "revoke":
            deleted = True
        elif not deleted and (newest is None or value > newest):
            newest = value
    shown = await _message(scope, "w.m")
    assert await scope.count(Message).run() == 1
    assert shown.reaction == reaction
    assert (shown.deleted_at is not None) == deleted
    if deleted:
        assert shown.text == ""
    else:
        assert shown.text == ("original" if newest is None else f"edit at {newest}")
    assert await scope.count(InboundEvent).where(InboundEvent.processed_at.is_null()).run() == 0

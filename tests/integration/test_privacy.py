"""GDPR: a customer exported and erased, a tenant erased down to its last row and file."""

import json
import zipfile
from datetime import timedelta

import pytest

from b2a.assistant.tables import AIUsage, AssistantConfig
from b2a.audit import service as audit
from b2a.billing.rules import ManualMethod, PaymentProvider, SubscriptionStatus
from b2a.billing.tables import ManualPayment, Plan, StripeCustomer, StripeEvent, Subscription
from b2a.catalog.tables import FaqEntry, Service
from b2a.customers.tables import CustomerLabel
from b2a.db.columns import json_value
from b2a.errors import Forbidden, NotFound
from b2a.inbox import service as inbox
from b2a.inbox.media import save_message_media, tenant_media_dir
from b2a.inbox.rules import Direction, Transport
from b2a.inbox.tables import (
    CannedReply,
    Channel,
    Conversation,
    ConversationLabel,
    Customer,
    CustomerIdentity,
    InboundEvent,
    Label,
    Message,
    Note,
)
from b2a.lib import clock
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order, OrderItem, OrderStatusChange
from b2a.outbox.tables import MessageTemplate, ScheduledMessage
from b2a.privacy.customers import erase_customer, export_customer
from b2a.privacy.tenants import erase_tenant
from b2a.schema.tables import all_tables
from b2a.system.tables import SystemSetting
from b2a.tenants.actor import Actor
from b2a.tenants.api_tokens import create_api_token
from b2a.tenants.rules import TokenPurpose
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import AccountToken, Notice, Tenant, User, WorkingHours
from b2a.whatsapp.inbound import Identity, InboundMessage

PHONE = "923001234567"
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 64


async def _customer_with_history(scope, media_root, *, phone=PHONE, name="Ayesha Khan"):
    """A customer who wrote (with a photo), was answered, noted, labelled, ordered, scheduled."""
    channel = await scope.objects(Channel).first()
    if channel is None:
        channel = scope.new(Channel, transport=Transport.SANDBOX)
        await channel.save()
    text = "my address is 12 Mall Road"
    said = InboundMessage(
        f"wamid.{phone}", [Identity("wa_id", phone)], phone, name, "text", text, clock.now()
    )
    stored = await inbox.store_inbound(
        scope, await inbox.accept_inbound(scope, channel.id, Transport.SANDBOX, said)
    )
    await save_message_media(scope, stored.message_id, PNG, "image/png", media_root)
    answer = scope.new(
        Message,
        conversation=stored.conversation_id,
        direction=Direction.OUTBOUND,
        text="Thanks Ayesha",
        wa_message_id=f"wamid.out.{phone}",
    )
    await answer.save()
    await inbox.accept_status(
        scope, channel.id, Transport.SANDBOX, _status(f"wamid.out.{phone}", "delivered")
    )
    await scope.new(Note, conversation=stored.conversation_id, text="prefers mornings").save()
    label = scope.new(Label, name=f"vip-{phone}")
    await label.save()
    await scope.new(ConversationLabel, conversation=stored.conversation_id, label=label.id).save()
    await scope.new(CustomerLabel, customer=stored.customer_id, label=label.id).save()
    service = scope.new(Service, name=f"Haircut {phone}", price_minor=150000, currency="PKR")
    await service.save()
    order = scope.new(
        Order,
        number=await scope.count(Order) + 1,
        customer=stored.customer_id,
        conversation=stored.conversation_id,
        status=OrderStatus.PENDING_APPROVAL,
        total_minor=300000,
        currency="PKR",
        details={"name": name, "address": "12 Mall Road"},
    )
    await order.save()
    await scope.new(
        OrderItem, order=order.id, service=service.id, quantity=2, unit_price_minor=150000,
        name=service.name,
    ).save()  # fmt: skip
    await scope.new(
        OrderStatusChange, order=order.id, to_status=OrderStatus.PENDING_APPROVAL
    ).save()
    await scope.new(
        ScheduledMessage,
        customer=stored.customer_id,
        text="Your appointment is tomorrow",
        send_at=clock.now() + timedelta(days=1),
    ).save()
    await scope.new(
        AIUsage, conversation=stored.conversation_id, provider="catalog", model=""
    ).save()
    return stored


def _status(wamid, status):
    from b2a.whatsapp.cloud_webhook import CloudStatus

    return CloudStatus("PNID", wamid, status, PHONE, clock.now())


async def test_a_customers_export_holds_everything_about_them_and_their_files(cast, db, tmp_path):
    scope = TenantScope(cast.acme_owner.tenant_id)
    stored = await _customer_with_history(scope, tmp_path)
    await _customer_with_history(scope, tmp_path, phone="923009999999", name="Someone Else")

    path = await export_customer(cast.acme_owner.actor, stored.customer_id, media_root=tmp_path)

    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("customer.json"))
        media = [n for n in archive.namelist() if n.startswith("media/")]
        assert archive.read(media[0]) == PNG
    path.unlink()
    assert document["business"] == "Acme"
    assert document["customer"]["name"] == "Ayesha Khan"
    assert document["customer"]["phone"] == PHONE
    assert document["customer"]["tags"] == [f"vip-{PHONE}"]
    assert {"kind": "wa_id", "value": PHONE} in document["whatsapp_ids"]
    [conversation] = document["conversations"]
    assert [m["text"] for m in conversation["messages"]] == [
        "my address is 12 Mall Road",
        "Thanks Ayesha",
    ]
    assert conversation["notes"][0]["text"] == "prefers mornings"
    assert conversation["labels"] == [f"vip-{PHONE}"]
    [order] = document["orders"]
    assert order["details"]["address"] == "12 Mall Road" and order["items"][0]["quantity"] == 2
    assert document["scheduled_messages"][0]["text"] == "Your appointment is tomorrow"
    assert "Someone Else" not in json.dumps(document)
    assert len(media) == 1


async def test_exporting_and_erasing_are_for_tenant_admins_of_that_tenant(cast, db, tmp_path):
    stored = await _customer_with_history(TenantScope(cast.acme_owner.tenant_id), tmp_path)
    for action in (export_customer, erase_customer):
        with pytest.raises(Forbidden):
            await action(cast.acme_agent.actor, stored.customer_id, media_root=tmp_path)
        with pytest.raises(NotFound):
            await action(cast.globex_owner.actor, stored.customer_id, media_root=tmp_path)
    assert (await TenantScope(cast.acme_owner.tenant_id).get(Customer, stored.customer_id)).phone


async def test_erasing_a_customer_removes_the_person_and_keeps_the_books(cast, db, tmp_path):
    scope = TenantScope(cast.acme_owner.tenant_id)
    stored = await _customer_with_history(scope, tmp_path)
    other = await _customer_with_history(scope, tmp_path, phone="923009999999", name="Bilal")
    files = list(tenant_media_dir(tmp_path, scope.tenant_id).rglob("*.png"))
    assert len(files) == 2

    removed = await erase_customer(cast.acme_owner.actor, stored.customer_id, media_root=tmp_path)

    assert removed == 1
    customer = await scope.get(Customer, stored.customer_id)
    assert (customer.name, customer.phone, customer.email, customer.address) == ("", "", "", "")
    assert customer.erased_at is not None
    mine = Conversation.customer == stored.customer_id
    assert await scope.count(Conversation).where(mine) == 0
    assert await scope.count(Message).where(Message.conversation == stored.conversation_id) == 0
    assert await scope.count(CustomerIdentity).where(
        CustomerIdentity.customer == stored.customer_id
    ) == 0  # fmt: skip
    assert await scope.count(ScheduledMessage).where(
        ScheduledMessage.customer == stored.customer_id
    ) == 0  # fmt: skip
    assert await scope.count(CustomerLabel).where(
        CustomerLabel.customer == stored.customer_id
    ) == 0  # fmt: skip
    events = [r["dedupe_key"] for r in await scope.select(InboundEvent, InboundEvent.dedupe_key)]
    assert len(events) == 2 and all("923009999999" in key for key in events)
    [order] = await scope.select(Order).where(Order.customer == stored.customer_id)
    assert json_value(order["details"]) == {} and order["total_minor"] == 300000
    assert await scope.count(OrderItem).where(OrderItem.order == order["id"]) == 1
    assert len(list(tenant_media_dir(tmp_path, scope.tenant_id).rglob("*.png"))) == 1
    # Bilal is untouched, and Ayesha writing again starts afresh.
    assert (await scope.get(Customer, other.customer_id)).name == "Bilal"
    channel = await scope.objects(Channel).first()
    said = InboundMessage(
        "wamid.again", [Identity("wa_id", PHONE)], PHONE, "Ayesha", "text", "hi", clock.now()
    )
    again = await inbox.store_inbound(
        scope, await inbox.accept_inbound(scope, channel.id, Transport.SANDBOX, said)
    )
    assert again.customer_id != stored.customer_id
    entries = await audit.AuditEntry.select().where(audit.AuditEntry.event == "customer.erased")
    assert len(entries) == 1 and "Ayesha" not in json.dumps(json_value(entries[0]["detail"]))


async def _every_table_filled(member, media_root):
    """At least one row of the tenant in every tenant-owned table, and files on disk."""
    scope = TenantScope(member.tenant_id)
    await _customer_with_history(scope, media_root)
    await scope.new(CannedReply, shortcut="hours", text="9-5").save()
    await scope.new(FaqEntry, question="Cards?", answer="Yes").save()
    await scope.new(MessageTemplate, name="reminder", body="Hi {{name}}").save()
    await scope.new(WorkingHours, weekday=0).save()
    await scope.new(Notice, kind="account_update", text="Restricted").save()
    await scope.new(AssistantConfig).save()
    await create_api_token(Actor.operator(), member.email, name="ci")
    user = await User.objects().where(User.email == member.email).first()
    await AccountToken(
        user=user.id,
        purpose=TokenPurpose.RESET,
        token_hash=f"hash-{member.email}",
        expires_at=clock.now() + timedelta(hours=1),
    ).save()
    plan = await Plan.objects().first()
    if plan is None:
        plan = Plan(name="Pro", price_minor=1000)
        await plan.save()
    subscription = scope.new(
        Subscription,
        plan=plan.id,
        provider=PaymentProvider.MANUAL,
        status=SubscriptionStatus.ACTIVE,
    )
    await subscription.save()
    await scope.new(
        ManualPayment, plan=plan.id, method=ManualMethod.EASYPAISA, sender_name="A",
        reference=f"ref-{member.email}", amount_minor=1000, currency="PKR",
        subscription=subscription.id,
    ).save()  # fmt: skip
    await StripeEvent(
        event_id=f"evt_{member.email}", type="invoice.paid", tenant=member.tenant_id
    ).save()
    await StripeCustomer(tenant=member.tenant_id, customer_id=f"cus_{member.email}").save()
    await audit.record(member.actor, "settings.profile_changed", fields=["name"])


async def _rows_by_table():
    counts = {}
    for table in all_tables():
        tenant_column = getattr(table, "tenant", None)
        if table is Tenant:
            rows = await Tenant.select(Tenant.id).run()
            counts[table.__name__] = {str(r["id"]): 1 for r in rows}
        elif tenant_column is not None:
            rows = await table.select(tenant_column.as_alias("t")).run()
            per: dict[str, int] = {}
            for row in rows:
                per[str(row["t"])] = per.get(str(row["t"]), 0) + 1
            counts[table.__name__] = per
        elif table is AccountToken:
            rows = await AccountToken.select(AccountToken.user.tenant.as_alias("t")).run()
            counts[table.__name__] = {str(r["t"]): 1 for r in rows}
        else:
            counts[table.__name__] = {"platform": await table.count().run()}
    return counts


async def test_hard_deleting_a_tenant_erases_every_row_and_file_and_nothing_else(
    cast, db, tmp_path
):
    acme, globex = str(cast.acme_owner.tenant_id), str(cast.globex_owner.tenant_id)
    await _every_table_filled(cast.acme_owner, tmp_path)
    await _every_table_filled(cast.globex_owner, tmp_path)
    await SystemSetting(key="switches", value={"ai_enabled": True}).save()
    before = await _rows_by_table()
    owned = [name for name, per in before.items() if "platform" not in per]
    assert all(before[name].get(acme) for name in owned), [
        n for n in owned if not before[n].get(acme)
    ]

    await erase_tenant(Actor.operator("tests"), cast.acme_owner.tenant_id, media_root=tmp_path)

    after = await _rows_by_table()
    for name in owned:
        assert acme not in after[name], name
        assert after[name].get(globex) == before[name].get(globex), name
    platform = [name for name, per in before.items() if "platform" in per]
    assert {name: after[name] for name in platform if name != "AuditEntry"} == {
        name: before[name] for name in platform if name != "AuditEntry"
    }
    assert not tenant_media_dir(tmp_path, cast.acme_owner.tenant_id).exists()
    assert tenant_media_dir(tmp_path, cast.globex_owner.tenant_id).exists()

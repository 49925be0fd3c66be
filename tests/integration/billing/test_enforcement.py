"""An overdue payment stops the assistant and every send, with the reason; paying lifts both."""

from datetime import timedelta

from b2a.assistant import governance
from b2a.billing.enforcement import billing_suspension
from b2a.billing.tables import Subscription
from b2a.inbox.rules import Author, DeliveryState, Transport
from b2a.inbox.tables import Channel, Conversation, Customer, Message
from b2a.lib import clock
from b2a.lib.http import create_client
from b2a.outbox.delivery import deliver
from b2a.outbox.queueing import Draft, Sender, store_outbound
from b2a.outbox.transports import Transports
from b2a.tenants.scope import TenantScope


async def _overdue(scope, plan_id, *, grace_left):
    row = scope.new(
        Subscription,
        plan=plan_id,
        provider="stripe",
        status="PAST_DUE",
        stripe_subscription_id="sub_overdue",
        grace_until=clock.now() + grace_left,
    )
    await row.save()
    return row


async def _message(scope, text):
    channel = scope.new(Channel, transport=Transport.SANDBOX, state="CONNECTED")
    await channel.save()
    customer = scope.new(Customer, name="Ayesha", phone="923001234567")
    await customer.save()
    conversation = scope.new(Conversation, channel=channel.id, customer=customer.id)
    await conversation.save()
    return await store_outbound(scope, conversation.id, Draft(text=text), Sender(Author.SYSTEM))


async def _deliver(scope, settings, redis, message):
    async with create_client() as http:
        return await deliver(
            scope,
            message.id,
            transports=Transports(settings, http, redis),
            redis=redis,
            pacing=settings.sending,
            media_root=settings.core.media_root,
        )


async def test_in_grace_everything_works_after_it_the_assistant_is_refused(
    cast, pro, redis, frozen_clock
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _overdue(scope, pro.id, grace_left=timedelta(days=1))
    assert await billing_suspension(scope.tenant_id) is None
    assert (
        await governance.admit(
            redis, await governance.load_policy(scope.tenant_id), now=clock.now()
        )
    ).allowed

    frozen_clock.advance(days=1)
    refused = await governance.admit(
        redis, await governance.load_policy(scope.tenant_id), now=clock.now()
    )
    assert (refused.allowed, refused.code) == (False, "PAYMENT_OVERDUE")
    assert "billing portal" in refused.reason and "nothing has been deleted" in refused.reason
    other = await governance.load_policy(cast.globex_owner.tenant_id)
    assert (await governance.admit(redis, other, now=clock.now())).allowed


async def test_a_suspended_tenants_message_goes_to_the_dead_letters_and_paying_lifts_it(
    cast, pro, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    subscription = await _overdue(scope, pro.id, grace_left=-timedelta(minutes=1))
    held = await _message(scope, "Your order is ready")
    outcome = await _deliver(scope, settings, redis, held)

    assert outcome.state == DeliveryState.DEAD and "grace period has ended" in outcome.reason
    buried = await scope.get(Message, held.id)
    assert (buried.state, buried.error_code) == (DeliveryState.DEAD, "PAYMENT_OVERDUE")

    await scope.update(
        Subscription, {Subscription.status: "ACTIVE", Subscription.grace_until: None}
    ).where(Subscription.id == subscription.id)
    later = await _message(scope, "Thanks for paying")
    assert (await _deliver(scope, settings, redis, later)).state == DeliveryState.SENT

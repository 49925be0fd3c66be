"""Any value Meta could send under a field b2a applies never makes the worker's job raise.

Each example accepts one random change as an ``update:`` event and applies it
against a business with a Meta template and a customer, as the worker does. The
outcome is always one of the three, and the event is marked processed.
"""

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.inbox.rules import ChannelState, IdentityKind, Transport
from b2a.inbox.service import accept_update
from b2a.inbox.tables import Channel, Customer, CustomerIdentity, InboundEvent
from b2a.inbox.updates import HANDLERS, apply_update
from b2a.outbox.rules import MetaTemplateStatus, TemplateSource
from b2a.outbox.tables import MessageTemplate
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_webhook import CloudUpdate

SCALARS = (
    st.none()
    | st.integers()
    | st.text(max_size=8)
    | st.sampled_from(["12345678", "spring_sale", "en_US", "16505551234", "stop", "resume"])
)
KEYS = st.sampled_from(
    [
        "event",
        "message_template_id",
        "message_template_name",
        "message_template_language",
        "reason",
        "other_info",
        "new_quality_score",
        "new_category",
        "decision",
        "ban_info",
        "restriction_info",
        "user_preferences",
        "contacts",
    ]
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=2)
        | st.dictionaries(
            st.sampled_from(["wa_id", "category", "value", "timestamp", "title", "x"]), children
        )
    ),
    max_leaves=4,
)


async def _business(scope: TenantScope) -> Channel:
    channel = scope.new(Channel, transport=Transport.CLOUD, state=ChannelState.CONNECTED)
    await channel.save()
    await scope.new(
        MessageTemplate,
        source=TemplateSource.META,
        name="spring_sale",
        language="en_US",
        body="Hi {{1}}",
        meta_status=MetaTemplateStatus.APPROVED,
        meta_id="12345678",
    ).save()
    customer = scope.new(Customer, name="Ayesha", phone="16505551234")
    await customer.save()
    await scope.new(
        CustomerIdentity, customer=customer.id, kind=IdentityKind.WA_ID, value="16505551234"
    ).save()
    return channel


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    field=st.sampled_from([*sorted(HANDLERS), "calls", "flows", "security"]),
    value=st.dictionaries(KEYS, VALUES, max_size=5),
)
async def test_a_random_change_is_applied_orphaned_or_ignored_and_never_raises(cast, field, value):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await scope.objects(Channel).first() or await _business(scope)
    update = CloudUpdate(field, "WABA", "", value, datetime.now(UTC))
    event_id = await accept_update(scope, channel.id, Transport.CLOUD, update)
    if event_id is None:  # hypothesis repeated an example
        return
    outcome = await apply_update(scope, event_id)
    assert outcome in ("applied", "orphaned", "ignored")
    event = await scope.get(InboundEvent, event_id)
    assert event.processed_at is not None and event.outcome == outcome
    assert await apply_update(scope, event_id) == outcome  # a job run twice changes nothing

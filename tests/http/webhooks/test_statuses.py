"""Every status Meta sends ends processed: applied, recorded, or orphaned (no such message)."""

from b2a.inbox.rules import DeliveryState
from b2a.inbox.tables import Customer, InboundEvent, Message
from tests.http.webhooks.test_whatsapp import (  # noqa: F401 (cloud is a fixture)
    _drain,
    _event_keys,
    _post,
    _status,
    cloud,
    delivery,
    text,
)

WARNING = {
    "code": 131053,
    "title": "The catalogue item in this message is no longer available",
}


async def test_played_deleted_warning_unknown_and_orphaned_statuses_each_end_processed(
    cloud,  # noqa: F811 (the fixture imported above)
    redis,
):
    settings, scope, channel = cloud
    await _post(settings, channel, delivery([text("wamid.OUT")]))
    await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    await scope.update(Message, {Message.state: DeliveryState.SENT}).run()
    statuses = [
        _status("read"),
        _status("played"),
        _status("delivered"),  # late: never moves the state back
        _status("deleted"),
        _status("warning", errors=[WARNING]),
        _status("pending_review"),  # a value b2a does not know
        {**_status("read"), "id": "wamid.NOT_OURS"},
    ]
    await _post(settings, channel, delivery(statuses=statuses))
    await _drain(settings, await _event_keys(scope, "apply_status", "status:%"))

    events = await scope.select(InboundEvent, InboundEvent.dedupe_key, InboundEvent.outcome).where(
        InboundEvent.dedupe_key.like("status:%") & InboundEvent.processed_at.is_not_null()
    )
    assert {e["dedupe_key"]: e["outcome"] for e in events} == {
        "status:wamid.OUT:read": "applied",
        "status:wamid.OUT:played": "applied",
        "status:wamid.OUT:delivered": "applied",
        "status:wamid.OUT:deleted": "applied",
        "status:wamid.OUT:warning": "recorded",
        "status:wamid.OUT:pending_review": "recorded",
        "status:wamid.NOT_OURS:read": "orphaned",
    }
    message = await scope.objects(Message).first()
    assert message.state == DeliveryState.PLAYED
    assert message.deleted_at is not None
    assert message.error_detail == (
        "WhatsApp sent a warning about this message: "
        "The catalogue item in this message is no longer available"
    )


async def test_a_marketing_template_refused_with_131050_remembers_the_customer_stopped_marketing(
    cloud,  # noqa: F811 (the fixture imported above)
    redis,
):
    settings, scope, channel = cloud
    await _post(settings, channel, delivery([text("wamid.OUT")]))
    await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    stopped = {"code": 131050, "title": "Unable to deliver the message"}
    await _post(settings, channel, delivery(statuses=[_status("failed", errors=[stopped])]))
    await _drain(settings, await _event_keys(scope, "apply_status", "status:%"))

    message = await scope.objects(Message).first()
    assert message.state == DeliveryState.FAILED and message.error_code == "131050"
    customer = await scope.objects(Customer).first()
    assert customer.marketing_opt_out_at is not None

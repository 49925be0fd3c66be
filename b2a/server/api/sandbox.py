"""``/api/v1/sandbox``: play a customer and chat with your own business, no WhatsApp needed."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import Parameter

from b2a.inbox import simulator
from b2a.inbox.schemas import ChannelOut, MessageOut, SimulatedAccepted, SimulatedMessageIn
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Area


class SandboxController(Controller):
    """The customer simulator; its messages go through the same pipeline as WhatsApp's."""

    path = "/sandbox"
    opt = {"area": Area.INBOX}
    tags = ["sandbox"]

    @post("/channel", status_code=200, summary="Create or get the sandbox channel")
    async def ensure_channel(self, actor: Actor) -> ChannelOut:
        """Created, connected, on first use."""
        return await simulator.ensure_sandbox_channel(actor)

    @post(
        "/messages",
        status_code=202,
        summary="Send a message as the simulated customer",
        opt={"inbound_text": True},
    )
    async def send_as_customer(self, actor: Actor, data: SimulatedMessageIn) -> SimulatedAccepted:
        """Accepted like a webhook delivery; the worker stores it and runs the reply step.

        The words are a customer's: a control character (NUL and the like) is
        stored replaced by U+FFFD, as one from WhatsApp is, not refused.
        """
        return await simulator.simulate_customer_message(
            actor, phone=data.phone, text=data.text, name=data.name
        )

    @get("/messages", summary="The simulated customer's chat")
    async def read_chat(
        self,
        actor: Actor,
        phone: str = Parameter(description="The simulated customer's number, e.g. +923001234567."),
    ) -> list[MessageOut]:
        """Both sides, oldest first, as the customer's phone would show them."""
        return await simulator.simulator_thread(actor, phone)

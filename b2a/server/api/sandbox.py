"""``/api/v1/sandbox``: play a customer and chat with your own business, no WhatsApp needed.

Named test customers (``/customers``) have numbers reserved for fiction and
can be reopened any time; ``/messages`` with a number of one's own choosing
stays for scripts written before them. Sandbox chats count against no quota
and in no analytics (``inbox.simulator``).
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody, QueryParameter

from b2a.inbox import simulator
from b2a.inbox.schemas import (
    ChannelOut,
    MessageOut,
    SandboxCustomerIn,
    SandboxCustomerOut,
    SandboxMessageIn,
    SimulatedAccepted,
    SimulatedMessageIn,
)
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area


class SandboxController(Controller):
    """The customer simulator; its messages go through the same pipeline as WhatsApp's."""

    path = "/sandbox"
    opt = {"area": Area.INBOX}
    tags = ["sandbox"]

    @post("/channel", status_code=200, summary="Create or get the sandbox channel")
    async def ensure_channel(self, actor: ActorDep) -> ChannelOut:
        """Created, connected, on first use."""
        return await simulator.ensure_sandbox_channel(actor)

    @post(
        "/messages",
        status_code=202,
        summary="Send a message as the simulated customer",
        opt={"inbound_text": True},
    )
    async def send_as_customer(
        self, actor: ActorDep, data: JSONBody[SimulatedMessageIn]
    ) -> SimulatedAccepted:
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
        actor: ActorDep,
        phone: Annotated[
            str, QueryParameter(description="The simulated customer's number, e.g. +923001234567.")
        ],
    ) -> list[MessageOut]:
        """Both sides, oldest first, as the customer's phone would show them."""
        return await simulator.simulator_thread(actor, phone)

    @get("/customers", summary="The test customers, the latest to chat first")
    async def list_test_customers(self, actor: ActorDep) -> list[SandboxCustomerOut]:
        """Name, number, and their chat's last message and time."""
        return await simulator.list_test_customers(actor)

    @post("/customers", status_code=201, summary="Create a test customer")
    async def create_test_customer(
        self, actor: ActorDep, data: JSONBody[SandboxCustomerIn]
    ) -> SandboxCustomerOut:
        """With the first free number of +44 7700 900000 to 900999 (409 when all are used)."""
        return await simulator.create_test_customer(actor, name=data.name)

    @get("/customers/{customer_id:uuid}", summary="One test customer")
    async def get_test_customer(
        self, actor: ActorDep, customer_id: FromPath[UUID]
    ) -> SandboxCustomerOut:
        """A real customer's id, or another business's, is a 404."""
        return await simulator.get_test_customer(actor, customer_id)

    @post(
        "/customers/{customer_id:uuid}/messages",
        status_code=202,
        summary="Send a message as the test customer",
        opt={"inbound_text": True},
    )
    async def send_as_test_customer(
        self, actor: ActorDep, customer_id: FromPath[UUID], data: JSONBody[SandboxMessageIn]
    ) -> SimulatedAccepted:
        """Accepted like a webhook delivery; read the answer from the chat."""
        return await simulator.send_as_test_customer(actor, customer_id, text=data.text)

    @get("/customers/{customer_id:uuid}/messages", summary="The test customer's chat")
    async def read_test_customer_chat(
        self, actor: ActorDep, customer_id: FromPath[UUID]
    ) -> list[MessageOut]:
        """Both sides, oldest first (the latest 100), as the customer's phone shows them."""
        return await simulator.thread_of_test_customer(actor, customer_id)

"""``/api/v1/customers``: the customer directory, CSV in and out, contact cards, GDPR.

Every member (tenant admins and staff) lists, searches, adds, edits and tags
customers, imports the directory from CSV, and adds the person on a contact
card a customer shared; only tenant admins download the directory as CSV
(every customer's personal data at once, as Chatwoot and WATI keep it) and
export or erase one person's data (GDPR).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from litestar import Controller, Response, get, patch, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import State, UploadFile
from litestar.params import FromPath, FromQuery, JSONBody, MultipartBody, QueryParameter
from litestar.response import File

from b2a.customers import rules, service, transfer
from b2a.customers.schemas import (
    CustomerCreate,
    CustomerOut,
    CustomerPage,
    CustomerUpdate,
    ImportReport,
)
from b2a.db import keyset
from b2a.inbox import contact_cards
from b2a.inbox.contact_cards import ContactCardIn, CustomerFromCard
from b2a.privacy import customers
from b2a.server.api._common import announce, media_root
from b2a.server.auth import TENANT_ADMINS
from b2a.server.files import download_headers
from b2a.server.params import ActorDep, Cursor, Limit
from b2a.tenants.rules import Area

# The multipart envelope (boundary, headers) around the CSV file.
MULTIPART_SLACK = 64 * 1024


@dataclass
class CustomerFile:
    """A CSV file of customers (UTF-8, a header line naming the columns)."""

    file: UploadFile


class CustomerDirectoryController(Controller):
    """Every member lists, searches, adds, edits and tags customers; CSV in and out."""

    path = "/customers"
    opt = {"area": Area.CUSTOMERS}
    tags = ["customers"]

    @get("/", summary="List customers (search, tag, keyset pages, newest first)")
    async def list_customers(
        self,
        actor: ActorDep,
        q: Annotated[
            str, QueryParameter(description="A name, email, or the start of a number.")
        ] = "",
        tag: Annotated[
            str, QueryParameter(description="Only customers with this tag (label name).")
        ] = "",
        cursor: Cursor = None,
        limit: Limit = keyset.DEFAULT_LIMIT,
    ) -> CustomerPage:
        """A number query (digits, ``+``, spaces, dashes) matches numbers starting with it."""
        return await service.list_customers(actor, q=q, tag=tag, cursor=cursor, limit=limit)

    @post("/", summary="Add a customer by hand")
    async def create_customer(self, actor: ActorDep, data: JSONBody[CustomerCreate]) -> CustomerOut:
        """The number is stored as E.164; 409 ``CUSTOMER_EXISTS`` when the business has it."""
        return await service.create_customer(actor, data)

    @get(
        "/export",
        summary="Download customers as CSV (all, or those q and tag find)",
        opt=TENANT_ADMINS,
    )
    async def export_customers(
        self, actor: ActorDep, q: FromQuery[str] = "", tag: FromQuery[str] = ""
    ) -> Response[str]:
        """Columns name, phone (+E.164), email, address, tags (``; ``-separated), created."""
        text = await transfer.export_customers(actor, q=q, tag=tag)
        return Response(
            content=text,
            media_type="text/csv; charset=utf-8",
            headers=download_headers("customers.csv"),
        )

    @post(
        "/import",
        summary="Import customers from a CSV file (all or nothing)",
        status_code=200,
        request_max_body_size=rules.MAX_BYTES + MULTIPART_SLACK,
    )
    async def import_customers(
        self,
        actor: ActorDep,
        data: MultipartBody[CustomerFile],
        dry_run: Annotated[bool, QueryParameter(description="Only check the file.")] = False,
    ) -> Response[ImportReport]:
        """Any bad line: 422 with every problem by line, and nothing imported.

        Columns are found by their header (name, phone, email, address, tags and
        common spellings); a number the business has updates that customer.
        """
        report = await transfer.import_customers(actor, await data.file.read(), dry_run=dry_run)
        return Response(report, status_code=422 if report.problems else 200)

    @get("/{customer_id:uuid}", summary="One customer: details, tags, conversations, orders")
    async def get_customer(self, actor: ActorDep, customer_id: FromPath[UUID]) -> CustomerOut:
        """``sandbox`` is true for the sandbox page's test customers."""
        return await service.get_customer(actor, customer_id)

    @patch("/{customer_id:uuid}", summary="Edit a customer's name, email, address or tags")
    async def update_customer(
        self, actor: ActorDep, customer_id: FromPath[UUID], data: JSONBody[CustomerUpdate]
    ) -> CustomerOut:
        """Fields left out stay; ``tags`` replaces the set (new names become labels)."""
        return await service.update_customer(actor, customer_id, data)


class CustomerController(Controller):
    """What the business holds about one person, handed over or forgotten."""

    path = "/customers/{customer_id:uuid}"
    opt = {"area": Area.CUSTOMERS, **TENANT_ADMINS}
    tags = ["customers"]

    @get("/export", summary="Download everything about a customer (zip)")
    async def export_customer(
        self, actor: ActorDep, state: State, customer_id: FromPath[UUID]
    ) -> File:
        """customer.json (details, ids, conversations, notes, orders, schedules) and media/."""
        path = await customers.export_customer(actor, customer_id, media_root=media_root(state))
        name = f"customer-{customer_id}.zip"
        return File(
            path=path,
            filename=name,
            media_type="application/zip",
            headers=download_headers(name),
            background=BackgroundTask(path.unlink, missing_ok=True),
        )

    @post("/erase", summary="Erase a customer", status_code=200)
    async def erase_customer(
        self, actor: ActorDep, state: State, customer_id: FromPath[UUID]
    ) -> dict[str, int]:
        """Conversations, messages, files and WhatsApp ids go; orders stay without the details."""
        removed = await customers.erase_customer(actor, customer_id, media_root=media_root(state))
        return {"files_removed": removed}


class ContactCardController(Controller):
    """Someone a customer shared a contact card of becomes a customer (any member)."""

    path = "/customers/from-contact-card"
    opt = {"area": Area.CUSTOMERS}
    tags = ["customers"]

    @post("/", summary="Add the person on a shared contact card as a customer", status_code=200)
    async def add_from_card(
        self, actor: ActorDep, state: State, data: JSONBody[ContactCardIn]
    ) -> CustomerFromCard:
        """Creates the customer with a conversation on the card's channel, or finds them.

        ``created`` is false when the business already knew the number; either
        way ``conversation_id`` is where to write to them.
        """
        added = await contact_cards.add_card_as_customer(actor, data)
        await announce(state, actor, "conversation.updated", conversation_id=added.conversation_id)
        return added

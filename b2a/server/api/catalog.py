"""``/api/v1/services`` and ``/api/v1/faq``: what the assistant may sell, and what it may answer."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.params import FromPath, JSONBody, QueryParameter

from b2a.catalog import service as catalog
from b2a.catalog import transfer
from b2a.catalog.schemas import (
    FaqIn,
    FaqOut,
    FaqUpdate,
    ReorderIn,
    ServiceImportOut,
    ServiceIn,
    ServiceOut,
    ServiceUpdate,
)
from b2a.errors import Invalid
from b2a.orders import service as orders
from b2a.orders.schemas import OrdersNeedIn, OrdersNeedOut
from b2a.server.auth import TENANT_ADMINS
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area

Active = Annotated[
    bool | None, QueryParameter(description="true: active only; false: inactive only.")
]
MULTIPART_SLACK = 64_000
"""Room for the multipart envelope around an import file of the largest size."""


async def uploaded_csv(request: Request[Any, Any, Any]) -> bytes:
    """The CSV sent: the ``file`` field of a multipart form, or else the raw body.

    Raises:
        Invalid: a multipart form without a ``file`` field.
    """
    content_type, _ = request.content_type
    if content_type != "multipart/form-data":
        return await request.body()
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile):
        raise Invalid("choose a CSV file to import.", field="file")
    return await upload.read()


class ServiceController(Controller):
    """Every member reads the catalogue; tenant admins write it."""

    path = "/services"
    opt = {"area": Area.CATALOG}
    tags = ["catalogue"]

    @get("/", summary="List services")
    async def list_services(self, actor: ActorDep, active: Active = None) -> list[ServiceOut]:
        """In display order."""
        return await catalog.list_services(actor, active=active)

    @get("/{service_id:uuid}", summary="One service")
    async def get_service(self, actor: ActorDep, service_id: FromPath[UUID]) -> ServiceOut:
        """Its price exact (``price``, ``price_minor``) and as customers read it."""
        return await catalog.get_service(actor, service_id)

    @post("/", summary="Add a service (tenant admins)", opt=TENANT_ADMINS)
    async def create_service(self, actor: ActorDep, data: JSONBody[ServiceIn]) -> ServiceOut:
        """The price is a decimal string in the business's currency; another currency is 422."""
        return await catalog.create_service(actor, data)

    @patch(
        "/{service_id:uuid}",
        summary="Change or deactivate a service (tenant admins)",
        opt=TENANT_ADMINS,
    )
    async def update_service(
        self, actor: ActorDep, service_id: FromPath[UUID], data: JSONBody[ServiceUpdate]
    ) -> ServiceOut:
        """Fields left out stay; ``{"is_active": false}`` takes it off the catalogue."""
        return await catalog.update_service(actor, service_id, data)

    @post(
        "/import",
        status_code=200,
        summary="Import services from a CSV file (tenant admins)",
        opt=TENANT_ADMINS,
        request_max_body_size=transfer.MAX_BYTES + MULTIPART_SLACK,
    )
    async def import_services(
        self, actor: ActorDep, request: Request[Any, Any, Any]
    ) -> ServiceImportOut:
        """A ``text/csv`` body or a multipart ``file``: header row, then one service per row.

        Columns: name, price (required), description, duration_minutes,
        synonyms (separated by "|"), sku. All rows or none: any wrong row is a
        422 naming each row and column. A name already in the catalogue
        updates that service.
        """
        return await transfer.import_services(actor, await uploaded_csv(request))

    @get("/export", summary="Download the services as CSV", media_type="text/csv")
    async def export_services(self, actor: ActorDep) -> Response[str]:
        """Every service, offered or not, in the columns the import reads."""
        return Response(
            await transfer.export_services(actor),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="services.csv"'},
        )

    @post(
        "/reorder", status_code=200, summary="Reorder services (tenant admins)", opt=TENANT_ADMINS
    )
    async def reorder_services(
        self, actor: ActorDep, data: JSONBody[ReorderIn]
    ) -> list[ServiceOut]:
        """The listed ids first, in this order; the rest after them."""
        return await catalog.reorder_services(actor, data.ids)


class FaqController(Controller):
    """Every member reads the FAQ; tenant admins write it."""

    path = "/faq"
    opt = {"area": Area.CATALOG}
    tags = ["catalogue"]

    @get("/", summary="List FAQ entries")
    async def list_faq(self, actor: ActorDep, active: Active = None) -> list[FaqOut]:
        """In display order."""
        return await catalog.list_faq(actor, active=active)

    @get("/{entry_id:uuid}", summary="One FAQ entry")
    async def get_faq_entry(self, actor: ActorDep, entry_id: FromPath[UUID]) -> FaqOut:
        """Question, answer, whether the assistant uses it."""
        return await catalog.get_faq_entry(actor, entry_id)

    @post("/", summary="Add an FAQ entry (tenant admins)", opt=TENANT_ADMINS)
    async def create_faq_entry(self, actor: ActorDep, data: JSONBody[FaqIn]) -> FaqOut:
        """The assistant answers with it from the next message."""
        return await catalog.create_faq_entry(actor, data)

    @patch(
        "/{entry_id:uuid}",
        summary="Change or deactivate an FAQ entry (tenant admins)",
        opt=TENANT_ADMINS,
    )
    async def update_faq_entry(
        self, actor: ActorDep, entry_id: FromPath[UUID], data: JSONBody[FaqUpdate]
    ) -> FaqOut:
        """Fields left out stay; ``{"is_active": false}`` takes it from the assistant."""
        return await catalog.update_faq_entry(actor, entry_id, data)

    @post(
        "/reorder",
        status_code=200,
        summary="Reorder FAQ entries (tenant admins)",
        opt=TENANT_ADMINS,
    )
    async def reorder_faq(self, actor: ActorDep, data: JSONBody[ReorderIn]) -> list[FaqOut]:
        """The listed ids first, in this order; the rest after them."""
        return await catalog.reorder_faq(actor, data.ids)


class OrdersNeedController(Controller):
    """What the catalogue's order requests need: an address, a time, or neither."""

    path = "/catalog/orders-need"
    opt = {"area": Area.CATALOG}
    tags = ["catalogue"]

    @get("/", summary="What order requests need")
    async def read_orders_need(self, actor: ActorDep) -> OrdersNeedOut:
        """``address`` (deliveries), ``time`` (appointments) or ``none``."""
        return await orders.read_orders_need(actor)

    @put("/", summary="Choose what order requests need (tenant admins)", opt=TENANT_ADMINS)
    async def set_orders_need(self, actor: ActorDep, data: JSONBody[OrdersNeedIn]) -> OrdersNeedOut:
        """The next customer message obeys; the change is in the audit log."""
        return await orders.set_orders_need(actor, data.orders_need)

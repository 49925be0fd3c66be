"""The REST API under ``/api/v1``: JSON, tenant-scoped, described in OpenAPI at ``/api``.

Every route is authenticated by ``ApiAuthentication`` and guarded by
``tenant_member``; handlers receive the caller as ``actor`` and pass it to the
domain, which scopes every query to the caller's tenant and checks roles.
"""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi.spec import Components, SecurityScheme
from litestar.types import ControllerRouterHandler

from b2a.server.api.admin_ai import AdminAIController
from b2a.server.api.admin_billing import AdminBillingController
from b2a.server.api.admin_events import AdminEventController
from b2a.server.api.admin_users import AdminUserController
from b2a.server.api.analytics import get_analytics, get_dashboard
from b2a.server.api.billing import BillingController
from b2a.server.api.canned import CannedReplyController
from b2a.server.api.catalog import FaqController, OrdersNeedController, ServiceController
from b2a.server.api.conversations import ConversationController
from b2a.server.api.customers import (
    ContactCardController,
    CustomerController,
    CustomerDirectoryController,
)
from b2a.server.api.events import stream_events
from b2a.server.api.labels import LabelController
from b2a.server.api.messages import MessageController, download_media, list_dead_letters
from b2a.server.api.notices import AdminNoticeController, NoticeController
from b2a.server.api.orders import OrderController
from b2a.server.api.sandbox import SandboxController
from b2a.server.api.schedules import ScheduleController
from b2a.server.api.settings import SettingsController
from b2a.server.api.team import TeamController
from b2a.server.api.templates import TemplateController
from b2a.server.api.whatsapp_cloud import WhatsAppCloudController
from b2a.server.api.whatsapp_web import WhatsAppWebController
from b2a.server.auth import ApiAuthentication, provide_actor, tenant_member

SECURITY_SCHEME = "apiToken"
SECURITY_COMPONENTS = Components(
    security_schemes={
        SECURITY_SCHEME: SecurityScheme(
            type="http",
            scheme="bearer",
            description="A per-user API token from My account or `b2a token create`.",
        )
    }
)


def create_api_router(*public: ControllerRouterHandler) -> Router:
    """The ``/api/v1`` router; ``public`` handlers must set ``opt={"exclude_from_auth": True}``."""
    return Router(
        path="/api/v1",
        route_handlers=[
            *public,
            ConversationController,
            CustomerDirectoryController,
            CustomerController,
            ContactCardController,
            MessageController,
            LabelController,
            CannedReplyController,
            TemplateController,
            SandboxController,
            ScheduleController,
            SettingsController,
            WhatsAppWebController,
            WhatsAppCloudController,
            BillingController,
            ServiceController,
            OrdersNeedController,
            FaqController,
            OrderController,
            download_media,
            list_dead_letters,
            stream_events,
            get_dashboard,
            get_analytics,
            AdminAIController,
            AdminUserController,
            TeamController,
            AdminBillingController,
            AdminEventController,
            NoticeController,
            AdminNoticeController,
        ],
        middleware=[DefineMiddleware(ApiAuthentication)],
        guards=[tenant_member],
        dependencies={"actor": Provide(provide_actor, sync_to_thread=False)},
        security=[{SECURITY_SCHEME: []}],
    )

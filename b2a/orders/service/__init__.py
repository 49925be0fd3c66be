"""Order requests: made by the assistant or staff, decided by staff, told to the customer.

The parts, each small: pricing from the catalogue (``_pricing``), per-tenant
numbers (``_numbers``), requests and their details (``_requests``), what the
assistant's turn asks for (``_assistant``), staff's decisions
(``_transitions``), telling the customer (``_notify``), the history and audit
rows (``_history``), reading (``_read``) and what orders need (``_needs``:
an address, a time, or neither).
"""

from b2a.orders.service._assistant import TakenOrder, order_in_progress, take_order
from b2a.orders.service._needs import read_orders_need, set_orders_need
from b2a.orders.service._read import (
    customer_orders,
    get_order,
    list_orders,
    needed_fields,
    required_fields,
)
from b2a.orders.service._requests import add_details, create_order
from b2a.orders.service._transitions import (
    InvalidTransition,
    approve_order,
    cancel_order,
    complete_order,
    reject_order,
)

__all__ = [
    "InvalidTransition",
    "TakenOrder",
    "add_details",
    "approve_order",
    "cancel_order",
    "complete_order",
    "create_order",
    "customer_orders",
    "get_order",
    "list_orders",
    "needed_fields",
    "order_in_progress",
    "read_orders_need",
    "reject_order",
    "required_fields",
    "set_orders_need",
    "take_order",
]

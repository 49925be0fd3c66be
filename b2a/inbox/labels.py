"""Labels: the tenant's tags for conversations, each with a colour from a small palette.

The palette is fixed so every chip has a stylesheet class (``label-<hex>``):
the pages' Content-Security-Policy allows no inline styles, and a handful of
distinct colours reads better in a list than any shade a picker offers. Every
member may create a label (from the inbox, on the fly); renaming, recolouring
and deleting are for tenant admins, since they change every conversation.
"""

from __future__ import annotations

from uuid import UUID

from b2a.audit import service as audit
from b2a.db.integrity import save_unique
from b2a.db.sql import Statement
from b2a.errors import Conflict, Invalid
from b2a.inbox.schemas import LabelOut
from b2a.inbox.tables import ConversationLabel, Label
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role

# Colour name → #rrggbb, in the order the pages offer them; the first is the default.
PALETTE: dict[str, str] = {
    "grey": "#64748b",
    "red": "#dc2626",
    "orange": "#ea580c",
    "yellow": "#ca8a04",
    "green": "#16a34a",
    "teal": "#0d9488",
    "blue": "#2563eb",
    "purple": "#9333ea",
    "pink": "#db2777",
}
DEFAULT_COLOR = PALETTE["grey"]


def _clean(name: str, color: str) -> tuple[str, str]:
    """A label's name and colour as stored.

    Raises:
        Invalid: an empty or long name, a colour outside the palette.
    """
    cleaned = name.strip()
    if not 1 <= len(cleaned) <= 40:
        raise Invalid("a label name has 1 to 40 characters.", field="name")
    chosen = color.strip().lower()
    if chosen not in PALETTE.values():
        choices = ", ".join(f"{hex_} ({name})" for name, hex_ in PALETTE.items())
        raise Invalid(f"choose one of the label colours: {choices}.", field="color")
    return cleaned, chosen


async def _save(row: Label) -> None:
    taken = Conflict(f"a label {row.name!r} exists already.", code="LABEL_EXISTS", field="name")
    await save_unique(row, taken)


async def create_label(actor: Actor, name: str, *, color: str = DEFAULT_COLOR) -> LabelOut:
    """A new label for the tenant's conversations.

    Raises:
        Invalid: an empty or long name, a colour outside the palette.
        Conflict: the tenant already has a label of that name.
    """
    cleaned, chosen = _clean(name, color)
    label = actor.scope.new(Label, name=cleaned, color=chosen)
    await _save(label)
    return LabelOut(label.id, label.name, label.color)


# Every inbox page lists them (hand-written: Piccolo's building cost more than the query).
_LABELS = Statement("SELECT id, name, color FROM label WHERE tenant = :tenant ORDER BY name")


async def list_labels(actor: Actor) -> list[LabelOut]:
    """Every label of the tenant, by name."""
    rows = await actor.scope.fetch(_LABELS)
    return [LabelOut(r["id"], r["name"], r["color"]) for r in rows]


async def count_label_uses(actor: Actor) -> dict[UUID, int]:
    """How many conversations carry each label (labels on none are absent)."""
    rows = await actor.scope.select(ConversationLabel, ConversationLabel.label)
    uses: dict[UUID, int] = {}
    for row in rows:
        uses[row["label"]] = uses.get(row["label"], 0) + 1
    return uses


async def update_label(actor: Actor, label_id: UUID, name: str, color: str) -> LabelOut:
    """Rename and recolour a label; every conversation carrying it shows the change.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the label is not this tenant's.
        Invalid: an empty or long name, a colour outside the palette.
        Conflict: another label has that name.
    """
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(Label, label_id)
    before = row.name
    row.name, row.color = _clean(name, color)
    await _save(row)
    await audit.record(actor, "label.updated", label=str(label_id), name=row.name, was=before)
    return LabelOut(row.id, row.name, row.color)


async def delete_label(actor: Actor, label_id: UUID) -> None:
    """Delete a label; it disappears from every conversation.

    Raises:
        Forbidden: the actor is not a tenant admin.
        NotFound: the label is not this tenant's.
    """
    actor.require(Role.TENANT_ADMIN)
    row = await actor.scope.get(Label, label_id)
    await actor.scope.delete(Label).where(Label.id == label_id)
    await audit.record(actor, "label.deleted", label=str(label_id), name=row.name)

"""The audit fields every Erply-style resource carries: added, addedById, changed, changedById, changedBy."""

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .db import IdType, now


class AuditMixin:
    added: Mapped[int] = mapped_column(IdType)
    added_by_id: Mapped[int | None] = mapped_column(IdType)
    changed: Mapped[int] = mapped_column(IdType)
    changed_by_id: Mapped[int | None] = mapped_column(IdType)
    # The user's name at the time of the change, kept so that history survives a renamed or removed user.
    changed_by: Mapped[str] = mapped_column(String(100), default="")


def stamp(obj, user, *, created: bool = False) -> None:
    """Record who changed ``obj`` and when; on creation also who added it."""
    moment = now()
    if created:
        obj.added = moment
        obj.added_by_id = user.id if user else None
    obj.changed = moment
    obj.changed_by_id = user.id if user else None
    obj.changed_by = user.username if user else ""


def audit_values(user, *, created: bool = True) -> dict:
    """The same stamp as a column mapping, for bulk inserts."""
    moment = now()
    values = {"changed": moment, "changed_by_id": user.id, "changed_by": user.username}
    if created:
        values.update(added=moment, added_by_id=user.id)
    return values

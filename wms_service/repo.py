"""Tenant-scoped look-ups."""

from sqlalchemy import select

from .db import MAX_ID
from .errors import NotFound


def get_or_404(db, model, tenant_id: int, obj_id: int, label: str, *, lock: bool = False):
    """The tenant's ``model`` row ``obj_id``; another tenant's id is as unknown as a missing one."""
    if not 0 < obj_id <= MAX_ID:
        raise NotFound(f"{label} {obj_id} not found.")
    query = select(model).where(model.id == obj_id, model.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    obj = db.scalar(query)
    if obj is None:
        raise NotFound(f"{label} {obj_id} not found.")
    return obj

"""Tenant-scoped look-ups."""

from sqlalchemy import select

from .db import MAX_ID
from .errors import Conflict, NotFound


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


def require(db, model, tenant_id: int, obj_id: int, label: str, *, field: str):
    """The tenant's ``model`` row ``obj_id``, else a 404 naming the request's ``field`` ("warehouseId")."""
    found = 0 < obj_id <= MAX_ID and db.scalar(select(model).where(model.id == obj_id, model.tenant_id == tenant_id))
    if not found:
        raise NotFound(f"{label} {obj_id} not found.", {field: [f"The {label.lower()} does not exist."]})
    return found


def check_keys_free(
    db, model, tenant_id: int, values: dict, keys: dict[str, str], *, noun: str, own_id: int | None = None
) -> None:
    """The tenant's external keys of a kind are unique (``keys``: attribute -> the request's label): a value another
    row of the kind holds is a 409 naming that row ("Order 5 already has externalOrderId 'W-1'."). The unique
    constraints decide a race, and answer 409 too."""
    for attr, label in keys.items():
        value = values.get(attr)
        if value is None:
            continue
        taken = db.scalar(
            select(model.id).where(
                model.tenant_id == tenant_id, getattr(model, attr) == value, model.id != (own_id or 0)
            )
        )
        if taken is not None:
            raise Conflict(
                f"{noun} {taken} already has {label} {value!r}.", {label: [f"Already used by {noun.lower()} {taken}."]}
            )

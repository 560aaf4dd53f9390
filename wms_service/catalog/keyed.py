"""Catalog rows with keys unique per tenant (codes, external references): create, update, delete.

A key already taken is a ``Conflict`` that names the field and the row holding it, so a client that retries an
add learns which row it already made. The database's unique constraints stay the last word when two requests
race for the same key; the error handlers turn that into the same 409.
"""

from sqlalchemy import exists, select

from ..audit import stamp
from ..errors import Conflict


def check_keys_free(db, model, *, tenant_id: int, values: dict, keys: dict[str, str], noun: str, own_id=None):
    """Every key in ``values`` (attribute -> JSON name in ``keys``) unused by another row of the tenant."""
    for attr, label in keys.items():
        value = values.get(attr)
        if value is None:
            continue
        query = select(model.id).where(model.tenant_id == tenant_id, getattr(model, attr) == value)
        if own_id is not None:
            query = query.where(model.id != own_id)
        taken = db.scalar(query)
        if taken is not None:
            raise Conflict(
                f"{noun} {taken} already has {label} {value!r}.", {label: [f"Already used by {noun.lower()} {taken}."]}
            )


def create(db, model, *, tenant, user, values: dict, keys: dict[str, str], noun: str):
    check_keys_free(db, model, tenant_id=tenant.id, values=values, keys=keys, noun=noun)
    obj = model(tenant_id=tenant.id, **values)
    stamp(obj, user, created=True)
    db.add(obj)
    db.flush()
    return obj


def update(db, obj, *, user, changes: dict, keys: dict[str, str], noun: str):
    changed_keys = {attr: value for attr, value in changes.items() if attr in keys and value != getattr(obj, attr)}
    check_keys_free(db, type(obj), tenant_id=obj.tenant_id, values=changed_keys, keys=keys, noun=noun, own_id=obj.id)
    for attr, value in changes.items():
        setattr(obj, attr, value)
    stamp(obj, user)
    # Flushed one by one, so a key set on several rows in one request conflicts with the first.
    db.flush()
    return obj


def delete(db, objs, *, uses, noun: str) -> None:
    """Delete ``objs`` unless rows of ``uses`` ((model, column, what)) still point at one of them."""
    for obj in objs:
        for _model, column, what in uses:
            if db.scalar(select(exists().where(column == obj.id))):
                raise Conflict(f"{noun} {obj.id} is used by {what} and cannot be deleted.")
    for obj in objs:
        db.delete(obj)
    db.flush()

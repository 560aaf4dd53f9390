"""Warehouses and products: plain CRUD with a code unique per tenant."""

from sqlalchemy import exists, select

from ..audit import stamp
from ..errors import Conflict, at_index
from .models import Product, Warehouse


def create(db, model, *, tenant, user, items: list[dict], single=False):
    objs = []
    for i, item in enumerate(items):
        _check_code_free(db, model, tenant, item["code"], None, None if single else i, objs)
        obj = model(tenant_id=tenant.id, **item)
        stamp(obj, user, created=True)
        db.add(obj)
        objs.append(obj)
    db.flush()
    return objs


def update(db, model, *, tenant, user, obj, changes: dict):
    if "code" in changes and changes["code"] != obj.code:
        _check_code_free(db, model, tenant, changes["code"], obj.id, None, [])
    for name, value in changes.items():
        setattr(obj, name, value)
    stamp(obj, user)
    db.flush()
    return obj


def delete(db, *, obj, uses) -> None:
    """Delete ``obj`` unless any of ``uses`` (model, column) rows still point at it."""
    for model, column in uses:
        if db.scalar(select(exists().where(column == obj.id))):
            raise Conflict(
                f"{type(obj).__name__} {obj.id} is used by {model.__tablename__} rows and cannot be deleted."
            )
    db.delete(obj)
    db.flush()


def _check_code_free(db, model, tenant, code, own_id, where, pending):
    taken = db.scalar(
        select(model.id).where(model.tenant_id == tenant.id, model.code == code, model.id != (own_id or 0))
    )
    if taken is not None or any(o.code == code for o in pending):
        label = model.__tablename__
        raise Conflict(f"A {label} with code {code!r} already exists.", at_index(where, {"code": ["Already used."]}))


__all__ = ["Product", "Warehouse", "create", "update", "delete"]

"""One service for every catalog entity (warehouses, products, categories, units, companies): create, update, delete.

Both faces call these: the native ``/warehouse`` and ``/product`` routes and Planograma's nomenclatures. A key
already taken is a ``Conflict`` that names the field and the row holding it, so a client that retries an add
learns which row it already made; the database's unique constraints stay the last word when two requests race
for the same key, and the error handlers turn that into a 409 too. A delete is refused, with one message for
both faces, while rows of another table point at the row (``delete_rules``).
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit import stamp
from ..auth.models import Tenant, User
from ..errors import Conflict
from . import delete_rules
from .entities import Entity


def create(db: Session, *, entity: Entity, tenant: Tenant, user: User, items: list[dict]) -> list:
    """Add ``items`` in order; an error about one carries its index (``DomainError.index``)."""
    objs: list = []
    for index, values in enumerate(items):
        if entity.prepare:
            values = entity.prepare(db, tenant, values, None)
        _check_keys_free(db, entity, tenant_id=tenant.id, values=values, index=index, pending=objs)
        obj = entity.model(tenant_id=tenant.id, **values)
        stamp(obj, user, created=True)
        db.add(obj)
        objs.append(obj)
    db.flush()
    return objs


def update(db: Session, *, entity: Entity, tenant: Tenant, user: User, obj: Any, changes: dict) -> Any:
    if entity.prepare:
        changes = entity.prepare(db, tenant, changes, obj)
    changed_keys = {
        attr: value for attr, value in changes.items() if attr in entity.keys and value != getattr(obj, attr)
    }
    _check_keys_free(db, entity, tenant_id=tenant.id, values=changed_keys, own_id=obj.id)
    for attr, value in changes.items():
        setattr(obj, attr, value)
    stamp(obj, user)
    # Flushed one by one, so a key set on several rows in one request conflicts with the first.
    db.flush()
    return obj


def delete(db: Session, *, entity: Entity, tenant: Tenant, objs: Sequence) -> None:
    """Delete every one of ``objs`` or, if one is still used, none of them."""
    if entity.before_delete:
        entity.before_delete(db, tenant, objs)
    delete_rules.refuse_if_used(db, noun=entity.noun, objs=objs)
    for obj in objs:
        db.delete(obj)
    db.flush()


def _check_keys_free(
    db: Session,
    entity: Entity,
    *,
    tenant_id: int,
    values: dict,
    index: int | None = None,
    own_id: int | None = None,
    pending: Sequence = (),
) -> None:
    """Every key in ``values`` unused by another row of the tenant and by the items before it in the request."""
    model, noun = entity.model, entity.noun
    for attr, label in entity.keys.items():
        value = values.get(attr)
        if value is None:
            continue
        earlier = next((i for i, obj in enumerate(pending) if getattr(obj, attr) == value), None)
        if earlier is not None:
            raise Conflict(
                f"Item {earlier} already has {label} {value!r}.",
                {label: [f"Already used by item {earlier}."]},
                index=index,
            )
        query = select(model.id).where(model.tenant_id == tenant_id, getattr(model, attr) == value)
        if own_id is not None:
            query = query.where(model.id != own_id)
        taken = db.scalar(query.limit(1))
        if taken is not None:
            raise Conflict(
                f"{noun} {taken} already has {label} {value!r}.",
                {label: [f"Already used by {noun.lower()} {taken}."]},
                index=index,
            )

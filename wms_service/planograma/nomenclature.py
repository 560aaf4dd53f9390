"""Nomenclatures (products, categories, measurement units, companies): read, add, update and delete, one way.

A ``Nomenclature`` says which catalog entity it shows, which request lists name its rows and which filter them;
``register_routes`` gives it the four seed endpoints. The entity's rules (unique keys, a product's category, what
blocks a delete) are the catalog service's, the same the native API calls; a product's stock comes in as the
``present`` hook, so each resource module is its schemas.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import g
from marshmallow import fields
from sqlalchemy import select

from ..catalog import service
from ..catalog.entities import Entity
from ..errors import NotFound
from ..web import idempotency
from ..web.paging import Page
from ..web.permissions import search
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from .blueprint import errors_doc
from .envelope import envelope, ok
from .requests import camel

DeletedIds = envelope(
    "DeletedIdsApiResponse", fields.List(fields.Integer(), metadata={"description": "The ids deleted"})
)
BooleanResponse = envelope("BooleanApiResponse", fields.Boolean())


@dataclass
class Nomenclature:
    entity: Entity
    name: str  # names its schemas: ProductApiResponse, ...
    targets: dict[str, str]  # request attribute (a list) -> the model attribute it matches
    filters: dict[str, str]  # read request attribute -> model attribute (a list filters by IN, a value by =)
    present: Callable | None = None  # (db, tenant, rows) -> what the Info schema dumps

    @property
    def model(self) -> type:
        return self.entity.model

    @property
    def noun(self) -> str:
        return self.entity.noun

    def query(self, tenant_id):
        return select(self.model).where(self.model.tenant_id == tenant_id)

    def shown(self, db, tenant, rows):
        return self.present(db, tenant, rows) if self.present else rows


def apply_filters(query, model, filters: dict[str, str], args: dict):
    for arg, attr in filters.items():
        value = args.get(arg)
        if value is None or value == []:
            continue
        column = getattr(model, attr)
        query = query.where(column.in_(value) if isinstance(value, list) else column == value)
    return query


def page(query, args):
    """``query`` narrowed to the read request's ``page`` (from 1) of ``limit`` rows."""
    return Page(number=args["page"], size=args["limit"]).select(query)


def find_targets(db, nom: Nomenclature, tenant_id: int, args: dict, *, lock=True) -> list:
    """The rows every given target list names (each must name one), in id order; otherwise 404, naming the misses."""
    found = {}
    missing = {}
    for arg, attr in nom.targets.items():
        wanted = args.get(arg) or []
        if not wanted:
            continue
        column = getattr(nom.model, attr)
        query = nom.query(tenant_id).where(column.in_(wanted)).order_by(nom.model.id)
        rows = db.scalars(query.with_for_update() if lock else query).all()
        have = {getattr(row, attr) for row in rows}
        absent = [value for value in wanted if value not in have]
        if absent:
            missing[arg] = absent
        found.update({row.id: row for row in rows})
    if missing:
        listed = "; ".join(f"{camel(arg)} {values}" for arg, values in missing.items())
        raise NotFound(f"No {nom.noun.lower()} matches {listed}.")
    return [found[key] for key in sorted(found)]


def read(db, nom: Nomenclature, tenant, args: dict):
    query = apply_filters(nom.query(tenant.id), nom.model, nom.filters, args)
    rows = db.scalars(page(query.order_by(nom.model.id), args)).all()
    return nom.shown(db, tenant, rows)


def add(db, nom: Nomenclature, tenant, user, values: dict):
    objs = service.create(db, entity=nom.entity, tenant=tenant, user=user, items=[values])
    return nom.shown(db, tenant, objs)[0]


def update(db, nom: Nomenclature, tenant, user, args: dict):
    objs = find_targets(db, nom, tenant.id, args)
    for obj in objs:
        service.update(db, entity=nom.entity, tenant=tenant, user=user, obj=obj, changes=dict(args["update_fields"]))
    return nom.shown(db, tenant, objs)


def delete(db, nom: Nomenclature, tenant, args: dict) -> list[int]:
    objs = find_targets(db, nom, tenant.id, args)
    ids = [obj.id for obj in objs]
    service.delete(db, entity=nom.entity, tenant=tenant, objs=objs)
    return ids


def summary(text: str, description: str):
    """The operation's summary (one line) and description (its rules), for views made by a factory: flask-smorest
    reads both from ``__doc__``, the first line and the rest."""

    def decorator(view):
        view.__doc__ = f"{text}\n\n{description}"
        return view

    return decorator


def register_routes(blp, nom: Nomenclature, *, info, read_schema, add_schema, update_schema, delete_schema, plural):
    """POST /read, PUT /add, POST /update, DELETE /delete for ``nom``, answering ``info`` objects."""
    many = envelope(f"{nom.name}ApiResponse", fields.List(fields.Nested(info)))
    one = envelope(f"{nom.name}InfoApiResponse", fields.Nested(info))

    @blp.route("/read", methods=["POST"], endpoint="read")
    @search
    @blp.arguments(read_schema)
    @blp.response(200, many)
    @summary(
        f"List {plural} with filters",
        "Filters combine with AND; a null or empty list filters nothing, `active: null` means all; lists hold at most "
        "10 000 values. `page` from 1 (default 1), `limit` 1..1000 (default 100), ordered by id. Any user of the "
        "tenant may read.",
    )
    def read_view(args):
        return ok(read(get_db(), nom, g.tenant, args))

    @blp.route("/add", methods=["PUT"], endpoint="add")
    @blp.arguments(add_schema)
    @blp.response(200, one)
    @blp.doc(parameters=[idempotency.OPENAPI_HEADER])
    @errors_doc(403, 404, 409, 413)
    @summary(
        f"Add a {nom.noun.lower()}",
        "Answers the created row (200). Its unique keys (`code`, `externalReference`, `thirdPartyReference`, as the "
        "entity has them) are unique per tenant: a taken one is a 409 naming the row that holds it; an empty "
        "reference means none and may repeat. Unknown top-level fields are ignored. Needs the CATALOG permission; "
        "accepts `Idempotency-Key`.",
    )
    def add_view(values):
        return create(
            lambda db: add(db, nom, g.tenant, g.user, values), answer=lambda info: one().dump(ok(info)), status=200
        )

    @blp.route("/update", methods=["POST"], endpoint="update")
    @blp.arguments(update_schema)
    @blp.response(200, many)
    @errors_doc(403, 404, 409, 413)
    @summary(
        f"Update {plural}: the rows the id lists name get updateFields",
        "The targets are the union of the id and reference lists; every listed value must match a row (else 404 "
        "naming the misses). All or nothing; answers the updated rows. Inside `updateFields` an unknown or read-only "
        "field is a 400, `null` clears an optional field, and one unique key set on several rows is a 409. Needs "
        "the CATALOG permission.",
    )
    def update_view(args):
        with unit_of_work() as db:
            updated = update(db, nom, g.tenant, g.user, args)
        return ok(updated)

    @blp.route("/delete", methods=["DELETE"], endpoint="delete")
    @blp.arguments(delete_schema)
    @blp.response(200, DeletedIds)
    @errors_doc(403, 404, 409)
    @summary(
        f"Delete {plural}",
        "The targets are the union of the id and reference lists; every listed value must match a row (else 404). "
        "All or nothing; answers the deleted ids. A row that something still uses (a product with stock or history, "
        "a category with products) is a 409 naming what keeps it; deactivate it instead. Needs the CATALOG "
        "permission.",
    )
    def delete_view(args):
        with unit_of_work() as db:
            ids = delete(db, nom, g.tenant, args)
        return ok(ids)

    return read_view, add_view, update_view, delete_view


def register_reference_check(blp, nom: Nomenclature):
    """GET /third-party-reference/{ref}/check: whether a row of the tenant has that thirdPartyReference."""

    @blp.route("/third-party-reference/<text:third_party_reference>/check", methods=["GET"], endpoint="check")
    @blp.response(200, BooleanResponse)
    @summary(
        f"Whether a {nom.noun.lower()} has this thirdPartyReference",
        "`data` is `true` when one of the tenant's rows holds the reference, else `false`. Percent-encode the "
        "reference in the path; any text works, slashes and line breaks included.",
    )
    def check_view(third_party_reference):
        query = select(nom.model.id).where(
            nom.model.tenant_id == g.tenant.id, nom.model.third_party_reference == third_party_reference
        )
        return ok(get_db().scalar(query.limit(1)) is not None)

    return check_view

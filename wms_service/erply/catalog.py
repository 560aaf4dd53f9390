"""The routes /warehouse and /product share: plain CRUD of a catalog entry with a code unique per tenant."""

from flask import g
from flask.views import MethodView
from marshmallow import fields, validate

from ..catalog import service
from ..catalog.entities import Entity
from ..repo import get_or_404
from ..web.session import get_db
from ..web.transaction import unit_of_work
from .common import (
    TOTAL_HEADER,
    AuditSchema,
    Bool,
    IdList,
    ListArgs,
    QueryBool,
    create_endpoint,
    document_errors,
    filter_ids,
    listing,
    tenant_query,
    update_endpoint,
)


class CatalogSchema(AuditSchema):
    """What every catalog entry has; each resource sets the lengths (and whether a name is required)."""

    code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    active = Bool(load_default=True)


class CatalogArgs(ListArgs):
    id = IdList()
    code = fields.String()
    active = QueryBool()


def register_crud(blp, *, entity: Entity, schema, args=CatalogArgs, plural: str, delete_summary: str):
    """Route GET/POST ``""`` and GET/PUT/DELETE ``/<{table}_id>`` for the catalog ``entity`` on ``blp``."""
    model, label = entity.model, entity.noun
    id_arg = f"{model.__tablename__}_id"  # warehouse_id, product_id: the path parameter's name in the spec

    def load(**path):
        return get_or_404(get_db(), model, g.tenant.id, path[id_arg], label)

    @blp.route("")
    class Collection(MethodView):
        @blp.arguments(args, location="query")
        @blp.response(200, schema(many=True), headers=TOTAL_HEADER)
        @document_errors(blp, (400, 401))
        @blp.doc(
            summary=f"List {plural}",
            description="Filters: `id` (`id=3,5,8`), `code`, `active`. Paged with `page`/`pageSize` or `afterId`, ordered by "
            "id, the total in `X-Total-Count`.",
        )
        def get(self, args):
            query = filter_ids(tenant_query(model), model.id, args.pop("id", None))
            for name in ("code", "active"):
                if name in args:
                    query = query.where(getattr(model, name) == args.pop(name))
            return listing(get_db(), query, model, args)

        @create_endpoint(blp, schema, schema)
        @blp.doc(
            summary=f"Create one {label.lower()} or a list",
            description="`code` is unique per tenant: a duplicate is a 409 naming the row that holds it. A list of up to "
            "1000 is created all or nothing. Needs the CATALOG permission; accepts `Idempotency-Key`.",
        )
        def post(self, items, single):
            return service.create(get_db(), entity=entity, tenant=g.tenant, user=g.user, items=items)

    @blp.route(f"/<int:{id_arg}>")
    class ById(MethodView):
        @blp.response(200, schema)
        @document_errors(blp, (401, 404))
        @blp.doc(summary=f"Get a {label.lower()}", description="404 for an unknown id or another tenant's.")
        def get(self, **path):
            return load(**path)

        @update_endpoint(blp, schema, schema, load)
        @blp.doc(
            summary=f"Update a {label.lower()}",
            description="Send any subset of the editable fields; read-only fields may be sent back unchanged, a changed "
            "one is a 400. A `code` another row holds is a 409. Needs the CATALOG permission.",
        )
        def put(self, obj, changes, **_path):
            return service.update(get_db(), entity=entity, tenant=g.tenant, user=g.user, obj=obj, changes=changes)

        @blp.response(204)
        @document_errors(blp, (401, 403, 404, 409))
        @blp.doc(
            summary=delete_summary,
            description="Anything that still refers to it makes the delete a 409 whose message names every kind of row "
            "that keeps it; deactivate it with `active: false` instead. Needs the CATALOG permission.",
        )
        def delete(self, **path):
            with unit_of_work() as db:
                service.delete(db, entity=entity, tenant=g.tenant, objs=[load(**path)])

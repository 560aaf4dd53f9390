"""/api/nir: add, update (validation included), read, validation-info, delete, update-external-reference,
update-packaging-type.

Thin views over ``documents/nirs.py``: each reads its body, runs one service call in the unit of work and
answers NirInfo (``nir_schemas.py``) in the envelope. Writes need the RECEIVING permission.
"""

from flask import g
from sqlalchemy import select

from ..catalog.models import Company
from ..documents import nirs as service
from ..documents.nir_models import Nir
from ..errors import NotFound
from ..web import idempotency
from ..web.permissions import search
from ..web.session import get_db
from ..web.transaction import create, unit_of_work
from .blueprint import ApiBlueprint, errors_doc
from .envelope import ok
from .nir_schemas import (
    CreateNirApiRequest,
    DeleteNirApiRequest,
    NirApiResponse,
    NirInfoApiResponse,
    NirValidationInfoApiRequest,
    NirValidationInfoApiResponse,
    ReadNirsFilterRequest,
    UpdateNirApiRequest,
    UpdateNirExternalReferenceRequest,
    UpdateNirPackagingTypeRequest,
    present,
    validation_info,
)
from .nomenclature import DeletedIds, apply_filters, page, summary

blp = ApiBlueprint(
    "planograma-nir",
    __name__,
    url_prefix="/api/nir",
    description="Planograma: NIRs (goods receipts)",
    writes="RECEIVING",
)
FILTERS = {
    "nir_ids": "id",
    "external_order_ids": "external_reference",
    "warehouse_ids": "warehouse_id",
    "third_party_reference_ids": "third_party_reference",
}
HEADER = ("external_reference", "third_party_reference", "warehouse_id", "supplier_id", "packaging_type")


def _add(db, body: dict):
    values = {key: body.get(key) for key in HEADER}
    values["validation_required"] = body.get("validation_required") is not False
    values["lines"] = body["nir_products"]
    nir = service.add(db, tenant=g.tenant, user=g.user, values=values)
    return present(db, [nir])[0]


@blp.route("/add", methods=["PUT"], endpoint="add")
@blp.arguments(CreateNirApiRequest)
@blp.response(200, NirInfoApiResponse)
@blp.doc(parameters=[idempotency.OPENAPI_HEADER])
@errors_doc(403, 404, 409, 413)
@summary(
    "Add a NIR (goods receipt)",
    "Needs RECEIVING. `externalReference` is required and unique per tenant (409); lines name products by `code`. "
    "A product that requires a batch code or an expiration date refuses a line without one (400). With "
    "`validationRequired: false` the NIR is validated at once (its goods move into the bins); otherwise it waits "
    "for `PATCH /api/nir/update` with `updateFields.validated: true`. Honours Idempotency-Key.",
)
def add(body):
    return create(lambda db: _add(db, body), answer=lambda info: NirInfoApiResponse().dump(ok(info)), status=200)


@blp.route("/update", methods=["PATCH"], endpoint="update")
@blp.arguments(UpdateNirApiRequest)
@blp.response(200, NirApiResponse)
@errors_doc(403, 404, 409, 413)
@summary(
    "Update NIRs, or validate them",
    "Needs RECEIVING. Targets `nirIds` and/or `externalReferences`. `updateFields` may change thirdPartyReference, "
    "warehouseId, supplierId and `nirProducts` (replacing every line) while the NIR is pending; a validated NIR "
    "is final (409). `validated: true` validates it: each line is posted as PURCHASE_DOCUMENT records into its "
    "put-away bin (its locationCode; else a bin of the warehouse holding the product, preferred first, with room; "
    "else RECEIVING) and batch, linked purchase orders move towards RECEIVED, and waiting orders are re-checked, "
    "in one transaction.",
)
def update(args):
    with unit_of_work() as db:
        nirs = service.targets(db, tenant=g.tenant, lists=args, lock=True)
        changes = dict(args["update_fields"])
        if "nir_products" in changes:
            changes["lines"] = changes.pop("nir_products")
        service.update_all(db, tenant=g.tenant, user=g.user, nirs=nirs, changes=changes)
        infos = present(db, nirs)
    return ok(infos)


@blp.route("/read", methods=["POST"], endpoint="read")
@search
@blp.arguments(ReadNirsFilterRequest)
@blp.response(200, NirApiResponse)
@summary(
    "List NIRs with filters",
    "Any user of the tenant. Filters: nirIds, externalOrderIds (the NIRs' externalReference), externalClientIds "
    "(the supplier company's externalReference), warehouseIds, thirdPartyReferenceIds; `page` (from 1) and "
    "`limit`; ordered by id.",
)
def read(args):
    db = get_db()
    query = apply_filters(select(Nir).where(Nir.tenant_id == g.tenant.id), Nir, FILTERS, args)
    if args.get("external_client_ids"):
        query = query.join(Company, Company.id == Nir.supplier_id).where(
            Company.external_reference.in_(args["external_client_ids"])
        )
    return ok(present(db, db.scalars(page(query.order_by(Nir.id), args)).all()))


@blp.route("/validation-info", methods=["POST"], endpoint="validation_info")
@search
@blp.arguments(NirValidationInfoApiRequest)
@blp.response(200, NirValidationInfoApiResponse)
@errors_doc(404)
@summary(
    "Validation information of a NIR",
    "Any user of the tenant. By `nirId` or `externalReference`: whether it is validated, who validated it and "
    "when, and `scanInfoList`: each line's expected and received quantity and its location.",
)
def validation_info_view(args):
    db = get_db()
    query = select(Nir).where(Nir.tenant_id == g.tenant.id)
    if args.get("nir_id") is not None:
        query = query.where(Nir.id == args["nir_id"])
    if args.get("external_reference"):
        query = query.where(Nir.external_reference == args["external_reference"])
    nir = db.scalar(query)
    if nir is None:
        raise NotFound("NIR not found.")
    return ok(validation_info(db, nir))


@blp.route("/delete", methods=["DELETE"], endpoint="delete")
@blp.arguments(DeleteNirApiRequest)
@blp.response(200, DeletedIds)
@errors_doc(403, 404, 409)
@summary(
    "Delete pending NIRs",
    "Needs RECEIVING. A validated NIR is final: a 409, and nothing is deleted.",
)
def delete(args):
    with unit_of_work() as db:
        ids = service.delete(db, tenant=g.tenant, nirs=service.targets(db, tenant=g.tenant, lists=args))
    return ok(ids)


@blp.route("/update-external-reference", methods=["PATCH"], endpoint="update_external_reference")
@blp.arguments(UpdateNirExternalReferenceRequest)
@blp.response(200, NirInfoApiResponse)
@errors_doc(403, 404, 409)
@summary(
    "Change a NIR's externalReference",
    "Needs RECEIVING. Unique per tenant (409 naming the NIR that holds it); allowed at any status.",
)
def update_external_reference(args):
    with unit_of_work() as db:
        (nir,) = service.targets(db, tenant=g.tenant, lists={"nir_ids": [args["nir_id"]]})
        service.set_external_reference(db, user=g.user, nir=nir, value=args["external_reference"])
        info = present(db, [nir])[0]
    return ok(info)


@blp.route("/update-packaging-type", methods=["PATCH"], endpoint="update_packaging_type")
@blp.arguments(UpdateNirPackagingTypeRequest)
@blp.response(200, NirInfoApiResponse)
@errors_doc(403, 404)
@summary(
    "Set a NIR's packaging type",
    "Needs RECEIVING. Free text (null clears it), at any status: it moves no stock.",
)
def update_packaging_type(args):
    with unit_of_work() as db:
        (nir,) = service.targets(db, tenant=g.tenant, lists={"nir_ids": [args["nir_id"]]})
        service.set_packaging_type(db, user=g.user, nir=nir, value=args["packaging_type"])
        info = present(db, [nir])[0]
    return ok(info)

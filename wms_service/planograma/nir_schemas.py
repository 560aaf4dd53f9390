"""The NIR endpoints' request and response shapes (field names as the Planograma seed has them), and how NIRs
become NirInfo in a few queries.

``locationCode`` of a line is where its goods went once the NIR is validated, and the location the line named
(or null) before. ``purchaseOrders`` lists the purchase orders the NIR is linked to.
"""

from datetime import UTC, datetime

from marshmallow import RAISE, ValidationError, fields, validate, validates_schema
from sqlalchemy import select

from ..catalog.models import Product
from ..documents import nirs as service
from ..documents import purchase_order_links
from ..documents.nir_models import NirStatus
from ..stock.models import Batch, Bin
from .envelope import envelope
from .order_schemas import Flag
from .requests import ApiSchema, Day, Id, IdList, Int, ReadRequest, Reference, TargetsMixin, Text, TextList

STATUSES = [s.value for s in NirStatus]


class NirProductApiInfo(ApiSchema):
    code = Text(100, required=True, metadata={"description": "The product's code"})
    quantity = Int(minimum=1, required=True)
    external_line_id = Text(100, allow_none=True)
    batch_code = Reference(metadata={"description": "The lot: its batch is reused, or made"})
    expiration_date = Day(allow_none=True, metadata={"description": "YYYY-MM-DD (dd.MM.yyyy accepted)"})
    production_date = Day(allow_none=True, metadata={"description": "YYYY-MM-DD (dd.MM.yyyy accepted)"})
    location_code = Reference(metadata={"description": "Put the line away here (a bin of the NIR's warehouse)"})


NIR_PRODUCTS = fields.List(fields.Nested(NirProductApiInfo), validate=validate.Length(min=1, max=1000))


class CreateNirApiRequest(ApiSchema):
    external_reference = Text(100, required=True)
    third_party_reference = Reference()
    warehouse_id = Id(required=True)
    supplier_id = Id(allow_none=True, metadata={"description": "A company of the tenant"})
    packaging_type = Text(100, allow_none=True)
    validation_required = Flag(
        allow_none=True, metadata={"description": "Default true; false validates the NIR at add (stock moves)"}
    )
    nir_products = fields.List(
        fields.Nested(NirProductApiInfo), required=True, validate=validate.Length(min=1, max=1000)
    )


class NirUpdateFields(ApiSchema):
    class Meta:
        unknown = RAISE

    third_party_reference = Reference()
    warehouse_id = Id()
    supplier_id = Id(allow_none=True)
    nir_products = fields.List(
        fields.Nested(NirProductApiInfo),
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "Replaces every line"},
    )
    validated = Flag(metadata={"description": "true validates the NIR: its goods move into the bins"})


class NirTargets(TargetsMixin, ApiSchema):
    TARGETS = ("nir_ids", "external_references")
    nir_ids = IdList()
    external_references = TextList()


class UpdateNirApiRequest(NirTargets):
    update_fields = fields.Nested(NirUpdateFields, required=True)


class DeleteNirApiRequest(NirTargets):
    pass


class ReadNirsFilterRequest(ReadRequest):
    nir_ids = IdList()
    external_order_ids = TextList(metadata={"description": "The NIRs' externalReference"})
    external_client_ids = TextList(metadata={"description": "The supplier company's externalReference"})
    warehouse_ids = IdList()
    third_party_reference_ids = TextList()


class NirValidationInfoApiRequest(ApiSchema):
    nir_id = Id(allow_none=True)
    external_reference = Text(100, allow_none=True)

    @validates_schema
    def one_key(self, data, **_):
        if data.get("nir_id") is None and not data.get("external_reference"):
            raise ValidationError("Give nirId or externalReference.", "_schema")


class UpdateNirExternalReferenceRequest(ApiSchema):
    nir_id = Id(required=True)
    external_reference = Text(100, required=True, metadata={"description": "The new one, unique per tenant"})


class UpdateNirPackagingTypeRequest(ApiSchema):
    nir_id = Id(required=True)
    packaging_type = Text(100, required=True, allow_none=True)


class NirProductInfo(NirProductApiInfo):
    nir_product_id = fields.Integer(metadata={"description": "The line's id"})
    product_id = fields.Integer()
    product_name = fields.String()


class NirPurchaseOrder(ApiSchema):
    purchase_order_id = fields.Integer()
    document_number = fields.String(allow_none=True)
    status = fields.String()


class NirInfo(ApiSchema):
    nir_id = fields.Integer()
    external_reference = fields.String()
    warehouse_id = fields.Integer()
    validated = fields.Boolean()
    status = fields.String(metadata={"enum": STATUSES})
    nir_products = fields.List(fields.Nested(NirProductInfo))
    third_party_reference = fields.String(allow_none=True)
    purchase_orders = fields.List(fields.Nested(NirPurchaseOrder))
    supplier_id = fields.Integer(allow_none=True)
    packaging_type = fields.String(allow_none=True)


class NirScanInfo(ApiSchema):
    nir_product_id = fields.Integer()
    product_id = fields.Integer()
    code = fields.String()
    external_line_id = fields.String(allow_none=True)
    expected_quantity = fields.Integer()
    received_quantity = fields.Integer(metadata={"description": "0 until the NIR is validated"})
    location_code = fields.String(allow_none=True, metadata={"description": "Where it went (or will go, if named)"})
    batch_code = fields.String(allow_none=True)
    expiration_date = fields.Date(allow_none=True)


class NirValidationInfo(ApiSchema):
    nir_id = fields.Integer()
    external_reference = fields.String()
    validated = fields.Boolean()
    validated_at = fields.String(allow_none=True, metadata={"description": "ISO 8601, UTC"})
    user_id = fields.Integer(allow_none=True, metadata={"description": "Who validated it"})
    user_username = fields.String(allow_none=True)
    scan_info_list = fields.List(fields.Nested(NirScanInfo))


NirApiResponse = envelope("NirApiResponse", fields.List(fields.Nested(NirInfo)))
NirInfoApiResponse = envelope("NirInfoApiResponse", fields.Nested(NirInfo))
NirValidationInfoApiResponse = envelope("NirValidationInfoApiResponse", fields.Nested(NirValidationInfo))


def present(db, nirs) -> list[dict]:
    """NirInfo for each of ``nirs``, in their order."""
    if not nirs:
        return []
    lines = service.lines_of(db, [n.id for n in nirs])
    products = _by_id(db, Product, {line.product_id for line in lines})
    bins = _by_id(db, Bin, {b for line in lines for b in (line.bin_id, line.put_bin_id) if b})
    linked = purchase_order_links.of_nirs(db, [n.id for n in nirs])
    per_nir: dict[int, list] = {}
    for line in lines:
        per_nir.setdefault(line.nir_id, []).append(line)
    return [
        {
            "nir_id": nir.id,
            "external_reference": nir.external_reference,
            "warehouse_id": nir.warehouse_id,
            "validated": nir.validated,
            "status": nir.status.value,
            "nir_products": [
                {
                    "nir_product_id": line.id,
                    "product_id": line.product_id,
                    "code": products[line.product_id].code,
                    "product_name": products[line.product_id].name,
                    "quantity": line.quantity,
                    "external_line_id": line.external_line_id,
                    "batch_code": line.batch_code,
                    "expiration_date": line.expiration_date,
                    "production_date": line.production_date,
                    "location_code": _location(bins, line),
                }
                for line in per_nir.get(nir.id, [])
            ],
            "third_party_reference": nir.third_party_reference,
            "purchase_orders": [
                {"purchase_order_id": o.id, "document_number": o.document_number, "status": o.status.value}
                for o in linked.get(nir.id, [])
            ],
            "supplier_id": nir.supplier_id,
            "packaging_type": nir.packaging_type,
        }
        for nir in nirs
    ]


def validation_info(db, nir) -> dict:
    """What validation received, line by line, and who validated the NIR when."""
    lines = service.lines_of(db, [nir.id])
    products = _by_id(db, Product, {line.product_id for line in lines})
    bins = _by_id(db, Bin, {b for line in lines for b in (line.bin_id, line.put_bin_id) if b})
    found = _by_id(db, Batch, {line.batch_id for line in lines if line.batch_id})
    return {
        "nir_id": nir.id,
        "external_reference": nir.external_reference,
        "validated": nir.validated,
        "validated_at": _iso(nir.validated_at),
        "user_id": nir.validated_by_id,
        "user_username": nir.validated_by,
        "scan_info_list": [
            {
                "nir_product_id": line.id,
                "product_id": line.product_id,
                "code": products[line.product_id].code,
                "external_line_id": line.external_line_id,
                "expected_quantity": line.quantity,
                "received_quantity": line.quantity if nir.validated else 0,
                "location_code": _location(bins, line),
                "batch_code": line.batch_code,
                "expiration_date": found[line.batch_id].expiry_date if line.batch_id else line.expiration_date,
            }
            for line in lines
        ],
    }


def _location(bins, line) -> str | None:
    place = line.put_bin_id or line.bin_id
    return bins[place].code if place else None


def _iso(seconds: int | None) -> str | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")


def _by_id(db, model, ids) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.scalars(select(model).where(model.id.in_(ids)))}

"""/api/measurement-unit: units of measure (pieces, kilograms, ...), with a code unique per tenant."""

from marshmallow import fields

from ..catalog.entities import MEASUREMENT_UNIT
from .blueprint import ApiBlueprint
from .nomenclature import Nomenclature, register_routes
from .requests import ApiSchema, IdList, ReadRequest, Reference, TargetsMixin, Text, TextList, one_of, optional_fields

blp = ApiBlueprint(
    "planograma-measurement-unit",
    __name__,
    url_prefix="/api/measurement-unit",
    description="Planograma: measurement units",
    writes="CATALOG",
)
STATUSES = ("ACTIVE", "INACTIVE")


class MeasurementUnitInfo(ApiSchema):
    mu_id = fields.Integer(attribute="id")
    name = fields.String()
    code = fields.String()
    details = fields.String(allow_none=True)
    status = fields.String(metadata={"enum": list(STATUSES)})
    third_party_reference = fields.String(allow_none=True)


class AddMeasurementUnitApiRequest(ApiSchema):
    name = Text(100, required=True)
    code = Text(40, required=True)
    details = Text(2000, allow_none=True)
    status = fields.String(load_default="ACTIVE", validate=one_of(*STATUSES), metadata={"enum": list(STATUSES)})
    third_party_reference = Reference()


EditMeasurementUnitFields = optional_fields(AddMeasurementUnitApiRequest, "EditMeasurementUnitFields")


class ReadMeasurementUnitsFilterRequest(ReadRequest):
    mu_ids = IdList()
    codes = TextList(40)
    third_party_reference_ids = TextList()
    status = fields.String(allow_none=True, validate=one_of(*STATUSES))


class _Targets(TargetsMixin, ApiSchema):
    TARGETS = ("mu_ids", "codes", "third_party_reference_ids")
    mu_ids = IdList()
    codes = TextList(40)
    third_party_reference_ids = TextList()


class EditMeasurementUnitApiRequest(_Targets):
    update_fields = fields.Nested(EditMeasurementUnitFields, required=True)


class DeleteMeasurementUnitApiRequest(_Targets):
    pass


UNITS = Nomenclature(
    entity=MEASUREMENT_UNIT,
    name="MeasurementUnit",
    targets={"mu_ids": "id", "codes": "code", "third_party_reference_ids": "third_party_reference"},
    filters={"mu_ids": "id", "codes": "code", "third_party_reference_ids": "third_party_reference", "status": "status"},
)

register_routes(
    blp,
    UNITS,
    info=MeasurementUnitInfo,
    read_schema=ReadMeasurementUnitsFilterRequest,
    add_schema=AddMeasurementUnitApiRequest,
    update_schema=EditMeasurementUnitApiRequest,
    delete_schema=DeleteMeasurementUnitApiRequest,
    plural="measurement units",
)

"""/api/company: the tenant's clients and suppliers."""

from marshmallow import fields

from ..catalog.entities import COMPANY
from .blueprint import ApiBlueprint
from .nomenclature import Nomenclature, register_reference_check, register_routes
from .requests import (
    ActiveFilter,
    ApiSchema,
    Bool,
    IdList,
    ReadRequest,
    Reference,
    TargetsMixin,
    Text,
    TextList,
    one_of,
    optional_fields,
)

blp = ApiBlueprint(
    "planograma-company", __name__, url_prefix="/api/company", description="Planograma: companies", writes="CATALOG"
)
TYPES = ("CLIENT", "SUPPLIER", "BOTH")


class CompanyInfo(ApiSchema):
    company_id = fields.Integer(attribute="id")
    external_reference = fields.String(allow_none=True)
    name = fields.String()
    cui = fields.String(allow_none=True, metadata={"description": "Fiscal code"})
    reg_no = fields.String(allow_none=True, metadata={"description": "Trade register number"})
    bank = fields.String(allow_none=True)
    iban = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    website = fields.String(allow_none=True)
    type = fields.String(metadata={"enum": list(TYPES)})
    active = fields.Boolean()
    third_party_reference = fields.String(allow_none=True)


class AddCompanyApiRequest(ApiSchema):
    name = Text(300, required=True)
    external_reference = Reference()
    third_party_reference = Reference()
    cui = Text(40, allow_none=True)
    reg_no = Text(60, allow_none=True)
    bank = Text(200, allow_none=True)
    iban = Text(60, allow_none=True)
    address = Text(500, allow_none=True)
    phone = Text(60, allow_none=True)
    email = Text(200, allow_none=True)
    website = Text(300, allow_none=True)
    type = fields.String(load_default="CLIENT", validate=one_of(*TYPES), metadata={"enum": list(TYPES)})
    active = Bool(load_default=True)


EditCompanyFields = optional_fields(AddCompanyApiRequest, "EditCompanyFields")


class ReadCompaniesFilterRequest(ReadRequest):
    active = ActiveFilter()
    company_ids = IdList()
    external_references = TextList()
    third_party_reference_ids = TextList()
    cuis = TextList(40)
    types = fields.List(fields.String(validate=one_of(*TYPES)), allow_none=True)


class _Targets(TargetsMixin, ApiSchema):
    TARGETS = ("company_ids", "external_references", "third_party_reference_ids")
    company_ids = IdList()
    external_references = TextList()
    third_party_reference_ids = TextList()


class EditCompanyApiRequest(_Targets):
    update_fields = fields.Nested(EditCompanyFields, required=True)


class DeleteCompanyApiRequest(_Targets):
    pass


COMPANIES = Nomenclature(
    entity=COMPANY,
    name="Company",
    targets={
        "company_ids": "id",
        "external_references": "external_reference",
        "third_party_reference_ids": "third_party_reference",
    },
    filters={
        "company_ids": "id",
        "external_references": "external_reference",
        "third_party_reference_ids": "third_party_reference",
        "cuis": "cui",
        "types": "type",
        "active": "active",
    },
)

register_routes(
    blp,
    COMPANIES,
    info=CompanyInfo,
    read_schema=ReadCompaniesFilterRequest,
    add_schema=AddCompanyApiRequest,
    update_schema=EditCompanyApiRequest,
    delete_schema=DeleteCompanyApiRequest,
    plural="companies",
)
register_reference_check(blp, COMPANIES)

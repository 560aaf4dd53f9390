"""/api/category: product categories, named by id, externalReference or thirdPartyReference."""

from marshmallow import fields

from ..catalog.entities import CATEGORY
from .blueprint import ApiBlueprint
from .nomenclature import Nomenclature, register_routes
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
    optional_fields,
)

blp = ApiBlueprint(
    "planograma-category", __name__, url_prefix="/api/category", description="Planograma: categories", writes="CATALOG"
)


class CategoryInfo(ApiSchema):
    category_id = fields.Integer(attribute="id")
    external_reference = fields.String(allow_none=True)
    category_name = fields.String(attribute="name")
    category_details = fields.String(attribute="details", allow_none=True)
    third_party_reference = fields.String(allow_none=True)
    active = fields.Boolean()


class AddCategoryApiRequest(ApiSchema):
    category_name = Text(200, required=True, attribute="name")
    category_details = Text(2000, attribute="details", allow_none=True)
    external_reference = Reference()
    third_party_reference = Reference()
    active = Bool(load_default=True)


EditCategoryFields = optional_fields(AddCategoryApiRequest, "EditCategoryFields")


class ReadCategoriesFilterRequest(ReadRequest):
    active = ActiveFilter()
    category_ids = IdList()
    external_references = TextList()
    third_party_reference_ids = TextList()


class _Targets(TargetsMixin, ApiSchema):
    TARGETS = ("category_ids", "external_references", "third_party_reference_ids")
    category_ids = IdList()
    external_references = TextList()
    third_party_reference_ids = TextList()


class EditCategoryApiRequest(_Targets):
    update_fields = fields.Nested(EditCategoryFields, required=True)


class DeleteCategoryApiRequest(_Targets):
    pass


CATEGORIES = Nomenclature(
    entity=CATEGORY,
    name="Category",
    targets={
        "category_ids": "id",
        "external_references": "external_reference",
        "third_party_reference_ids": "third_party_reference",
    },
    filters={
        "category_ids": "id",
        "external_references": "external_reference",
        "third_party_reference_ids": "third_party_reference",
        "active": "active",
    },
)

register_routes(
    blp,
    CATEGORIES,
    info=CategoryInfo,
    read_schema=ReadCategoriesFilterRequest,
    add_schema=AddCategoryApiRequest,
    update_schema=EditCategoryApiRequest,
    delete_schema=DeleteCategoryApiRequest,
    plural="categories",
)

"""The catalog's entities, each declared once: its model, the keys unique per tenant, the rules of its writes.

What blocks a deletion is not listed here: the columns that point at an entity declare it beside their foreign
keys (``delete_rules.blocks_delete``), so a document module adds its own without editing the catalog. An entity
only adds a rule more precise than "used by" (a product that holds stock says where).
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from .models import Category, Company, MeasurementUnit, Product, Warehouse
from .products import refuse_if_stocked, resolve_category


@dataclass(frozen=True)
class Entity:
    model: type
    noun: str  # names it in messages: "Measurement unit 5 ..."
    keys: dict[str, str] = field(default_factory=dict)  # attribute unique per tenant -> its JSON name
    prepare: Callable | None = None  # (db, tenant, values, obj) -> values: resolve and check relations
    before_delete: Callable | None = None  # (db, tenant, objs): raise to refuse, before the references are asked


WAREHOUSE = Entity(Warehouse, "Warehouse", keys={"code": "code"})
PRODUCT = Entity(
    Product,
    "Product",
    keys={"code": "code", "third_party_reference": "thirdPartyReference"},
    prepare=resolve_category,
    before_delete=refuse_if_stocked,
)
CATEGORY = Entity(
    Category,
    "Category",
    keys={"external_reference": "externalReference", "third_party_reference": "thirdPartyReference"},
)
MEASUREMENT_UNIT = Entity(
    MeasurementUnit, "Measurement unit", keys={"code": "code", "third_party_reference": "thirdPartyReference"}
)
COMPANY = Entity(
    Company,
    "Company",
    keys={"external_reference": "externalReference", "third_party_reference": "thirdPartyReference"},
)
ENTITIES = (WAREHOUSE, PRODUCT, CATEGORY, MEASUREMENT_UNIT, COMPANY)

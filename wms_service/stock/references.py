"""What a ledger record may say about where it came from: its reference type, and the document that posted it.

A plain record (the native API) carries the client's own ``referenceType``/``referenceId``/``recordType``. A
document (stocktaking, order, NIR, ...) posts with a ``Reference`` instead: every record then names the document
(``referenceId`` its id, ``recordType`` its kind) and takes the reference type its kind uses for the movement's
direction (CONTRACT section 5). Those record types are reserved: clients cannot use them on plain records, and
the records that carry them belong to their document.
"""

from dataclasses import dataclass
from enum import StrEnum


class ReferenceType(StrEnum):
    SALES_DOCUMENT = "SALES_DOCUMENT"
    PURCHASE_DOCUMENT = "PURCHASE_DOCUMENT"
    INVENTORY_REGISTRATION = "INVENTORY_REGISTRATION"
    INVENTORY_WRITE_OFF = "INVENTORY_WRITE_OFF"
    INVENTORY_TRANSFER = "INVENTORY_TRANSFER"
    ASSIGNMENT = "ASSIGNMENT"


# Plain strings, for schemas and specs that want values rather than enum members.
REFERENCE_TYPES = tuple(t.value for t in ReferenceType)


class DocumentKind(StrEnum):
    """A document that moves stock; its value is the ``recordType`` of the records it posts."""

    STOCKTAKING = "STOCKTAKING"
    ORDER = "ORDER"
    NIR = "NIR"
    RETURN = "RETURN"
    TRANSFER = "TRANSFER"
    INVENTORY = "INVENTORY"
    PRODUCTION = "PRODUCTION"


COUNTS = frozenset({DocumentKind.STOCKTAKING, DocumentKind.INVENTORY})

R = ReferenceType
# (reference type of a positive record, of a negative record), per document kind: CONTRACT section 5's table.
_DIRECTIONS = {
    DocumentKind.STOCKTAKING: (R.INVENTORY_REGISTRATION, R.INVENTORY_WRITE_OFF),
    DocumentKind.INVENTORY: (R.INVENTORY_REGISTRATION, R.INVENTORY_WRITE_OFF),
    DocumentKind.ORDER: (R.SALES_DOCUMENT, R.SALES_DOCUMENT),
    DocumentKind.RETURN: (R.SALES_DOCUMENT, R.SALES_DOCUMENT),
    DocumentKind.NIR: (R.PURCHASE_DOCUMENT, R.PURCHASE_DOCUMENT),
    DocumentKind.TRANSFER: (R.INVENTORY_TRANSFER, R.INVENTORY_TRANSFER),
    DocumentKind.PRODUCTION: (R.INVENTORY_REGISTRATION, R.ASSIGNMENT),
}


@dataclass(frozen=True)
class Reference:
    """The document a post belongs to."""

    kind: DocumentKind
    id: int

    def fields(self, amount: int) -> dict:
        """The document fields of one of its records that moves ``amount``."""
        positive, negative = _DIRECTIONS[self.kind]
        return {
            "reference_type": str(positive if amount > 0 else negative),
            "reference_id": self.id,
            "record_type": str(self.kind),
        }

    @property
    def is_count(self) -> bool:
        """Counts are facts: their records always post, and the reservations they overtake give way."""
        return self.kind in COUNTS

    def __str__(self) -> str:
        return f"{self.kind.title()} {self.id}"


def owner(record_type: str | None, reference_id: int | None) -> Reference | None:
    """The document a record with these fields belongs to, if any."""
    if record_type in DocumentKind.__members__ and reference_id is not None:
        return Reference(DocumentKind(record_type), reference_id)
    return None


# --- the rules every record obeys, whichever face it came through ------------------------------------------------


def amount_errors(amount: object) -> list[str]:
    """A record moves a non-zero integer amount."""
    if type(amount) is not int:
        return ["Must be a non-zero integer."]
    return ["Must not be 0."] if amount == 0 else []


def pair_errors(reference_type: str | None, reference_id: int | None) -> dict[str, list[str]]:
    """``referenceType`` and ``referenceId`` come together or not at all (keyed by the JSON name that is missing)."""
    if (reference_type is None) != (reference_id is None):
        missing = "referenceId" if reference_id is None else "referenceType"
        return {missing: ["referenceType and referenceId must be given together."]}
    return {}


def plain_record_type_errors(record_type: str | None) -> dict[str, list[str]]:
    """A plain record may not claim to be a document's."""
    if record_type in DocumentKind.__members__:
        return {"recordType": [f"{record_type} is reserved for the records of {record_type.lower()} documents."]}
    return {}

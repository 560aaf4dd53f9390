"""The transfer endpoints' shapes: ScanClientRequest, ClientBaseResponse and TransferInfo (the read is ours)."""

from marshmallow import fields

from ..documents.transfers import STATUSES
from .envelope import envelope
from .requests import ApiSchema, Id, Int, Text


class ScanClientRequest(ApiSchema):
    document_id = Id(allow_none=True, metadata={"description": "The transfer; absent: a new transfer is opened"})
    product_id = Id(required=True)
    quantity = Int(minimum=1, required=True)
    source_location_code = Text(100, required=True)
    destination_location_code = Text(100, required=True)
    batch_code = Text(100, allow_none=True, metadata={"description": "Absent: FEFO from the source location"})
    sn = Text(200, allow_none=True, metadata={"description": "A serial number, kept on the line"})
    sscc_code = Text(100, allow_none=True, metadata={"description": "The SSCC scanned; lines differ by it"})
    warehouse_id = Id(
        allow_none=True,
        metadata={
            "description": "Our addition: the warehouse whose locations the codes name, for a new transfer; absent: "
            "the source code must be unique among the tenant's warehouses"
        },
    )


class ClientBaseResponse(ApiSchema):
    document_id = fields.Integer(metadata={"description": "The transfer's id"})
    transfer_product_id = fields.Integer(metadata={"description": "The line's id (the first, FEFO-earliest one)"})
    transfer_product_ids = fields.List(
        fields.Integer(), metadata={"description": "Our addition: every line the scan made or grew, one per batch"}
    )
    message = fields.String()
    status = fields.String(
        metadata={"description": f"The transfer's status ({', '.join(STATUSES)}); DELETED after delete-transfer"}
    )


class TransferProductInfo(ApiSchema):
    transfer_product_id = fields.Integer(metadata={"description": "The line's id"})
    product_id = fields.Integer()
    product_model = fields.String(metadata={"description": "The product's code"})
    product_name = fields.String()
    batch_id = fields.Integer()
    batch_code = fields.String(allow_none=True, metadata={"description": "The batch's first code"})
    expiration_date = fields.Date(allow_none=True)
    source_location_code = fields.String()
    destination_location_code = fields.String()
    quantity = fields.Integer()
    reserved_quantity = fields.Integer(metadata={"description": "Reserved now (0 once validated or cancelled)"})
    sn_list = fields.List(fields.String(), metadata={"description": "The serial numbers scanned into the line"})
    sscc_code = fields.String(allow_none=True)


class TransferInfo(ApiSchema):
    transfer_id = fields.Integer()
    warehouse_id = fields.Integer()
    status = fields.String(metadata={"enum": list(STATUSES)})
    date_added = fields.String(metadata={"description": "ISO 8601, UTC"})
    transfer_products = fields.List(fields.Nested(TransferProductInfo))


ClientBaseApiResponse = envelope("ClientBaseApiResponse", fields.Nested(ClientBaseResponse))
TransferInfoApiResponse = envelope("TransferInfoApiResponse", fields.Nested(TransferInfo))

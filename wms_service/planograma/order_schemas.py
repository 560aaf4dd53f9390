"""The order endpoints' request and response shapes (field names as the Planograma seed has them)."""

from marshmallow import RAISE, fields, validate

from .companies import AddCompanyApiRequest
from .envelope import envelope
from .order_info import STATUSES, OrderInfo
from .requests import Amount, ApiSchema, Id, IdList, Int, ReadRequest, Reference, TargetsMixin, Text, TextList, one_of

OrderApiResponse = envelope("OrderApiResponse", fields.List(fields.Nested(OrderInfo)))
OrderInfoApiResponse = envelope("OrderInfoApiResponse", fields.Nested(OrderInfo))


class Flag(fields.Boolean):
    """A JSON boolean, or 0 / 1 as the seed's example sends ``validationRequired``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        if type(value) is int and value in (0, 1):
            return bool(value)
        raise self.make_error("invalid", input=value)


class CreateOrderProductApiRequest(ApiSchema):
    product_model = Text(100, allow_none=True, metadata={"description": "The product's code"})
    product_id = Id(allow_none=True)
    quantity = Int(minimum=1, required=True)
    external_line_id = Text(100, allow_none=True)
    location_code = Text(100, allow_none=True, metadata={"description": "Reserve from this location (bin) only"})


class CreateOrderApiRequest(ApiSchema):
    external_order_id = Text(100, required=True)
    third_party_reference = Reference()
    warehouse_id = Id(required=True)
    order_type = Int(allow_none=True)
    validation_required = Flag(allow_none=True, metadata={"description": "The seed's spelling of requiresValidation"})
    requires_validation = Flag(allow_none=True)
    comment = Text(4000, allow_none=True)
    awb_external_link = Text(2000, allow_none=True)
    invoice_external_link = Text(2000, allow_none=True)
    number_of_envelopes = Int(minimum=0, allow_none=True)
    number_of_packages = Int(minimum=0, allow_none=True)
    company = fields.Nested(AddCompanyApiRequest, allow_none=True)
    order_products = fields.List(
        fields.Nested(CreateOrderProductApiRequest), required=True, validate=validate.Length(min=1, max=1000)
    )


class UpdateOrderProductApiRequest(CreateOrderProductApiRequest):
    order_product_id = Id(
        allow_none=True, metadata={"description": "The line this entry changes (else matched by externalLineId)"}
    )


class UpdateOrderFields(ApiSchema):
    """What an update may change; anything else is a 400 (a change that cannot be applied must not look applied)."""

    class Meta:
        unknown = RAISE

    comment = Text(4000, allow_none=True)
    number_of_packages = Int(minimum=0, allow_none=True)
    number_of_envelopes = Int(minimum=0, allow_none=True)
    awb_external_link = Text(2000, allow_none=True)
    invoice_external_link = Text(2000, allow_none=True)
    order_products = fields.List(
        fields.Nested(UpdateOrderProductApiRequest),
        validate=validate.Length(min=1, max=1000),
        metadata={"description": "The order's new lines (replaces them): one order, before PICKED"},
    )


class UpdateOrderApiRequest(TargetsMixin, ApiSchema):
    TARGETS = ("order_ids", "external_order_ids", "third_party_reference_ids")
    order_ids = IdList()
    external_order_ids = TextList()
    third_party_reference_ids = TextList()
    update_fields = fields.Nested(UpdateOrderFields, required=True)


class ReadOrdersFilterRequest(ReadRequest):
    order_ids = IdList()
    external_order_ids = TextList()
    company_external_references = TextList()
    warehouse_ids = IdList()
    statuses = fields.List(fields.String(validate=one_of(*STATUSES)), allow_none=True)
    order_type = Int(allow_none=True)
    third_party_reference_ids = TextList()


class DeleteOrderApiRequest(TargetsMixin, ApiSchema):
    TARGETS = ("order_ids", "external_order_ids", "third_party_reference_ids")
    order_ids = IdList()
    external_order_ids = TextList()
    third_party_reference_ids = TextList()


class UpdateOrderStatusRequest(ApiSchema):
    order_id = Id(required=True)
    status = fields.String(required=True, validate=one_of(*STATUSES), metadata={"enum": STATUSES})
    awb_external_link = Text(2000, allow_none=True)


class OrderIdRequest(ApiSchema):
    order_id = Id(required=True)


class StartPickingRequest(OrderIdRequest):
    picker_id = Id(
        allow_none=True, metadata={"description": "The picker, a user of the tenant (the caller when absent)"}
    )


class PickListRow(ApiSchema):
    location_code = fields.String(metadata={"description": "The bin's code"})
    batch_code = fields.String(allow_none=True, metadata={"description": "The batch's first code"})
    expiry_date = fields.Date(allow_none=True)
    product_id = fields.Integer()
    product_code = fields.String()
    quantity = fields.Integer()


class UpdateAwbLinkRequest(OrderIdRequest):
    awb_external_link = Text(2000, required=True)


class PickingInfo(ApiSchema):
    picked = fields.Boolean()
    number_of_packages = fields.Integer(allow_none=True)
    number_of_envelopes = fields.Integer(allow_none=True)
    total_weight = Amount()
    picker_id = fields.Integer(allow_none=True)
    picker_username = fields.String(allow_none=True)


class MissingProduct(ApiSchema):
    order_product_id = fields.Integer()
    product_id = fields.Integer()
    product_model = fields.String()
    quantity = fields.Integer()
    reserved_quantity = fields.Integer()
    missing_quantity = fields.Integer()


class OrderReady(ApiSchema):
    order_id = fields.Integer()
    status = fields.String(metadata={"enum": STATUSES})
    is_ready = fields.Boolean()
    missing_products = fields.List(
        fields.Nested(MissingProduct), metadata={"description": "The lines not fully reserved (empty when ready)"}
    )


PickingInfoApiResponse = envelope("PickingInfoApiResponse", fields.Nested(PickingInfo))
OrderReadyApiResponse = envelope("OrderReadyApiResponse", fields.Nested(OrderReady))
PickListApiResponse = envelope("PickListApiResponse", fields.List(fields.Nested(PickListRow)))


class CheckWaitingRequest(ApiSchema):
    warehouse_ids = IdList(metadata={"description": "Only these warehouses' orders (all when absent)"})

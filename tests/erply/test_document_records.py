"""Records a document posted belong to it, and the document record types are reserved (CONTRACT section 5)."""

import pytest

from wms_service.stock.references import DocumentKind


def finished_count(api, pos, have, counted):
    """A count of ``pos`` that found ``counted`` where the ledger held ``have``: its write-off or registration."""
    if have:
        assert api.record(pos, have).status_code == 201
    count = api.create("/stocktaking", {"binId": pos["bin"]["id"]})
    line = {"productId": pos["product"]["id"], "batchId": pos["batch"]["id"], "countedQuantity": counted}
    assert api.put(f"/stocktaking/{count['id']}/stocktaking-record", json=[line]).status_code == 200
    assert api.put(f"/stocktaking/{count['id']}", json={"finished": True}).status_code == 200
    (posted,) = api.get(f"/bin-inventory-record?referenceId={count['id']}").get_json()
    return count, posted


def test_a_counts_write_off_cannot_be_deleted_or_edited(api):
    pos = api.stock_position()
    count, write_off = finished_count(api, pos, have=10, counted=7)
    assert (write_off["amount"], write_off["referenceType"], write_off["recordType"]) == (
        -3,
        "INVENTORY_WRITE_OFF",
        "STOCKTAKING",
    )
    deleted = api.delete(f"/bin-inventory-record/{write_off['id']}")
    assert deleted.status_code == 409
    assert deleted.get_json()["message"] == (
        f"Bin inventory record {write_off['id']} belongs to Stocktaking {count['id']} and cannot be deleted; "
        "undo it through a document (a return, a new count)."
    )
    edited = api.put(f"/bin-inventory-record/{write_off['id']}", json={"documentRowId": 5})
    assert edited.status_code == 409
    assert f"belongs to Stocktaking {count['id']} and cannot be changed" in edited.get_json()["message"]
    # Nothing moved: the bin still holds what the count found, and the record is as it was.
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 7
    assert api.get(f"/bin-inventory-record/{write_off['id']}").get_json() == write_off


def test_a_counts_registration_is_protected_too(api):
    pos = api.stock_position()
    count, registration = finished_count(api, pos, have=0, counted=4)
    assert (registration["amount"], registration["referenceType"]) == (4, "INVENTORY_REGISTRATION")
    assert api.delete(f"/bin-inventory-record/{registration['id']}").status_code == 409
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 4


@pytest.mark.parametrize("kind", [k.value for k in DocumentKind])
def test_a_plain_record_cannot_claim_a_document_record_type(api, kind):
    pos = api.stock_position()
    response = api.record(pos, 5, referenceType="PURCHASE_DOCUMENT", referenceId=1, recordType=kind)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {
        "recordType": [f"{kind} is reserved for the records of {kind.lower()} documents."]
    }
    assert api.get(f"/bin-inventory-record?binId={pos['bin']['id']}").headers["X-Total-Count"] == "0"


def test_in_a_list_the_reserved_record_type_is_named_by_index(api):
    pos = api.stock_position()
    line = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"]}
    body = [{**line, "amount": 1}, {**line, "amount": 1, "recordType": "ORDER"}]
    response = api.post("/bin-inventory-record", json=body)
    assert response.status_code == 400
    assert response.get_json()["errors"] == {
        "1": {"recordType": ["ORDER is reserved for the records of order documents."]}
    }
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"]) is None


def test_a_plain_record_cannot_be_edited_into_a_document_record(api):
    pos = api.stock_position()
    record = api.record(pos, 5, recordType="MANUAL").get_json()
    response = api.put(f"/bin-inventory-record/{record['id']}", json={"recordType": "STOCKTAKING"})
    assert response.status_code == 400
    assert response.get_json()["errors"] == {
        "recordType": ["STOCKTAKING is reserved for the records of stocktaking documents."]
    }
    assert api.get(f"/bin-inventory-record/{record['id']}").get_json()["recordType"] == "MANUAL"
    # Its other document fields stay editable, and a plain record can still be deleted.
    assert api.put(f"/bin-inventory-record/{record['id']}", json={"documentRowId": 9}).status_code == 200
    assert api.delete(f"/bin-inventory-record/{record['id']}").status_code == 204


def test_an_archived_bin_takes_no_new_stock_but_can_be_emptied(api):
    pos = api.stock_position()
    assert api.record(pos, 5).status_code == 201
    assert api.put(f"/bin/{pos['bin']['id']}", json={"active": False}).status_code == 200
    refused = api.record(pos, 1)
    assert refused.status_code == 409
    assert refused.get_json()["message"] == (
        f"Bin {pos['bin']['id']} is archived (active: false) and takes no new stock; it can still be emptied."
    )
    assert api.record(pos, -5).status_code == 201
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 0
    # Reactivated, it takes stock again.
    assert api.put(f"/bin/{pos['bin']['id']}", json={"active": True}).status_code == 200
    assert api.record(pos, 2).status_code == 201


def test_an_inactive_product_takes_no_new_stock_but_can_be_taken_out(api):
    pos = api.stock_position()
    assert api.record(pos, 4).status_code == 201
    assert api.put(f"/product/{pos['product']['id']}", json={"active": False}).status_code == 200
    line = {"binId": pos["bin"]["id"], "productId": pos["product"]["id"], "batchId": pos["batch"]["id"]}
    refused = api.post("/bin-inventory-record", json=[{**line, "amount": -1}, {**line, "amount": 3}])
    assert refused.status_code == 409
    assert refused.get_json()["errors"] == {"1": {"productId": ["The product is inactive."]}}
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 4
    assert api.record(pos, -4).status_code == 201


def test_a_count_in_an_archived_bin_still_posts_what_it_found(api):
    pos = api.stock_position()
    assert api.put(f"/bin/{pos['bin']['id']}", json={"active": False}).status_code == 200
    count, registration = finished_count(api, pos, have=0, counted=3)
    assert (registration["amount"], registration["referenceId"]) == (3, count["id"])
    assert api.inventory(pos["bin"]["id"], pos["product"]["id"])["amount"] == 3

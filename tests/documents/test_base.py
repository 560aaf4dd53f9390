"""The documents' base: the status table refuses what it does not list, and posting names the document."""

from dataclasses import dataclass
from enum import StrEnum

import pytest

from wms_service.documents import base
from wms_service.documents.models import StocktakingStatus as S
from wms_service.documents.stocktaking import LIFECYCLE
from wms_service.errors import Conflict, InsufficientStock
from wms_service.stock.ledger import Line
from wms_service.stock.references import DocumentKind, Reference


class Step(StrEnum):
    DRAFT = "DRAFT"
    READY_FOR_PICKING = "READY_FOR_PICKING"
    DONE = "DONE"


@dataclass
class Doc:
    id: int
    status: StrEnum


TABLE = base.StatusTable(
    "Order",
    {Step.DRAFT: {Step.READY_FOR_PICKING}, Step.READY_FOR_PICKING: {Step.DONE}, Step.DONE: set()},
    {Step.DRAFT},
    "ORDER",
)


def refusal(check, *args):
    with pytest.raises(Conflict) as caught:
        check(*args)
    return caught.value.message


def test_a_listed_move_passes_and_any_other_names_the_current_status():
    TABLE.check_move(Doc(1, Step.DRAFT), Step.READY_FOR_PICKING)
    TABLE.check_move(Doc(1, Step.READY_FOR_PICKING), Step.DONE)
    assert refusal(TABLE.check_move, Doc(7, Step.DRAFT), Step.DONE) == "Order 7 is draft and cannot become done."
    assert refusal(TABLE.check_move, Doc(7, Step.READY_FOR_PICKING), Step.DRAFT) == (
        "Order 7 is ready for picking and cannot become draft."
    )
    assert refusal(TABLE.check_move, Doc(7, Step.DONE), Step.DRAFT) == "Order 7 is done and cannot be changed."


def test_only_the_editable_statuses_may_change_lines():
    TABLE.check_editable(Doc(1, Step.DRAFT))
    assert refusal(TABLE.check_editable, Doc(3, Step.READY_FOR_PICKING)) == (
        "Order 3 is ready for picking and cannot be changed."
    )
    assert refusal(TABLE.check_editable, Doc(3, Step.DONE)) == "Order 3 is done and cannot be changed."


def test_stocktakings_table():
    assert {s: set(to) for s, to in LIFECYCLE.transitions.items()} == {S.OPEN: {S.OPEN, S.FINISHED}, S.FINISHED: set()}
    LIFECYCLE.check_move(Doc(4, S.OPEN), S.OPEN)
    LIFECYCLE.check_move(Doc(4, S.OPEN), S.FINISHED)
    LIFECYCLE.check_editable(Doc(4, S.OPEN))
    for check, args in (
        (LIFECYCLE.check_move, (S.OPEN,)),
        (LIFECYCLE.check_move, (S.FINISHED,)),
        (LIFECYCLE.check_editable, ()),
    ):
        assert refusal(check, Doc(4, S.FINISHED), *args) == "Stocktaking 4 is finished and cannot be changed."


def test_post_names_the_document_and_skips_lines_that_move_nothing(world):
    bin_, product, batch = world.position()
    reference = Reference(DocumentKind.STOCKTAKING, 99)
    post = lambda *lines: base.post(  # noqa: E731
        world.db, tenant=world.tenant, user=world.user, reference=reference, lines=list(lines), refusal="No"
    )
    assert post(Line(bin_.id, product.id, batch.id, 0)) is None
    (record,) = post(Line(bin_.id, product.id, batch.id, 0), Line(bin_.id, product.id, batch.id, 5))
    assert (record.amount, record.reference_type, record.reference_id, record.record_type) == (
        5,
        "INVENTORY_REGISTRATION",
        99,
        "STOCKTAKING",
    )
    with pytest.raises(InsufficientStock) as caught:
        post(Line(bin_.id, product.id, batch.id, 1), Line(bin_.id, product.id, batch.id, -7))
    assert caught.value.message == (
        f"No: Bin {bin_.id} holds 6 of product {product.id} batch {batch.id}; cannot take 7."
    )
    assert (caught.value.index, caught.value.errors) == (None, None)
    assert world.level(bin_, batch) == 5

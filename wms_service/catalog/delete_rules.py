"""What keeps a row from being deleted: the rows of other tables that point at it.

A column that refers to a catalog row (or to a bin or a batch) says so beside its foreign key, once:

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), info=blocks_delete("reservations"))

A delete reads the foreign keys of every table in the metadata and asks the columns that point at the row's table
and carry that mark, so a new document module (orders, NIRs, transfers, ...) that refers to products or bins keeps
them from being deleted by declaring its own columns, without a change here. A foreign key with
``ondelete="CASCADE"`` is the other answer: those rows are owned and go with the row (a batch's codes).
tests/catalog/test_delete_rules.py checks that every foreign key into a guarded table gives one of the two.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Column, Table, exists, select
from sqlalchemy.orm import Session

from ..errors import Conflict

KEY = "blocks_delete"


def blocks_delete(what: str) -> dict[str, str]:
    """The ``info`` of a column whose rows keep the row they point at; ``what`` names them in the 409 ("batches")."""
    return {KEY: what}


@dataclass(frozen=True)
class Reference:
    column: Column  # the referring column, e.g. batch.product_id
    what: str  # how a message names its rows, e.g. "batches"


def references_to(table: Table) -> list[Reference]:
    """The marked columns of every table that point at ``table``, by table and column name (a stable order)."""
    found = [
        Reference(fk.parent, fk.parent.info[KEY])
        for other in table.metadata.tables.values()
        for fk in other.foreign_keys
        if KEY in fk.parent.info and fk.references(table)
    ]
    return sorted(found, key=lambda ref: (ref.column.table.name, ref.column.name))


def blocking(table: Table) -> list[str]:
    """What keeps a row of ``table`` from being deleted, each kind once: the rule as a reader (or a test) sees it."""
    return list(dict.fromkeys(ref.what for ref in references_to(table)))


def refuse_if_used(db: Session, *, noun: str, objs: Sequence, advice: str | None = None) -> None:
    """A 409 for the first of ``objs`` that rows of another table still point at, naming every kind of them."""
    if not objs:
        return
    table = type(objs[0]).__table__
    ids = [obj.id for obj in objs]
    used_by: dict[int, list[str]] = {}
    for ref in references_to(table):
        # One semi-join per referring column: each EXISTS stops at the first row it finds.
        query = select(table.c.id).where(table.c.id.in_(ids), exists().where(ref.column == table.c.id))
        for used_id in db.scalars(query):
            kinds = used_by.setdefault(used_id, [])
            if ref.what not in kinds:
                kinds.append(ref.what)
    for obj in objs:
        if obj.id in used_by:
            raise Conflict(used_message(noun, obj.id, used_by[obj.id], advice))


def used_message(noun: str, obj_id: int, kinds: list[str], advice: str | None = None) -> str:
    """``Product 5 is used by batches and stock movements, and cannot be deleted.`` (one wording for both faces)."""
    if len(kinds) == 1:
        used = f"{kinds[0]} and"
    else:
        used = f"{', '.join(kinds[:-1])} and {kinds[-1]}, and"
    return f"{noun} {obj_id} is used by {used} cannot be deleted" + (f"; {advice}" if advice else "") + "."

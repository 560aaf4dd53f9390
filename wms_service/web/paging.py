"""One page of a query, for every list both faces answer.

Each face keeps the parameters and the answer its contract fixes (the native ``page``/``pageSize``/``afterId`` and
``X-Total-Count``; Planograma's ``page``/``limit`` on reads, and the ``{content, totalElements, totalPages, size,
number}`` object of the stock pages, numbered from 0); the arithmetic of offsets, limits and totals is here.
"""

from dataclasses import dataclass

from sqlalchemy import func, select


def count(db, query) -> int:
    """How many rows ``query`` matches, whatever page is asked for."""
    return db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


@dataclass(frozen=True)
class Page:
    """Page ``number`` (from 1) of ``size`` rows.

    With ``id_column``, ``select`` orders by id (descending with ``descending``), and with ``after_id`` the page
    starts after that id (before it, descending) instead of at an offset: the database seeks straight to it
    through the id index, so the millionth row costs what the first does, where an offset steps over every row
    before it.
    """

    number: int = 1
    size: int = 25
    after_id: int | None = None
    descending: bool = False

    @classmethod
    def from_zero(cls, number: int, size: int) -> "Page":
        """The page a client numbering pages from 0 asks for."""
        return cls(number=number + 1, size=size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def pages(self, total: int) -> int:
        """How many pages ``total`` rows fill."""
        return -(-total // self.size)

    def select(self, query, id_column=None):
        """``query`` narrowed to this page (ordered by ``id_column`` if given; otherwise by the query's order)."""
        if id_column is not None:
            if self.after_id is not None:
                query = query.where(id_column < self.after_id if self.descending else id_column > self.after_id)
            query = query.order_by(id_column.desc() if self.descending else id_column.asc())
        if self.after_id is None or id_column is None:
            query = query.offset(self.offset)
        return query.limit(self.size)

    def apply(self, db, query, id_column, total: int | None = None):
        """The page's rows of ``query`` ordered by ``id_column``, and the total number of matching rows.

        ``total``, when the caller already knows it exactly (kept counters), replaces the COUNT over the query.
        """
        if total is None:
            total = count(db, query)
        return db.scalars(self.select(query, id_column)).all(), total

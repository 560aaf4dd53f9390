"""Tenant-scoped look-ups and the one paging helper every list uses."""

from dataclasses import dataclass

from sqlalchemy import func, select

from .errors import NotFound

# Ids are issued from 1 and stay within what a JSON client can hold exactly; a path id beyond that names nothing
# (and would overflow the database's integer parameter).
MAX_ID = 2**53


def get_or_404(db, model, tenant_id: int, obj_id: int, label: str, *, lock: bool = False):
    """The tenant's ``model`` row ``obj_id``; another tenant's id is as unknown as a missing one."""
    if not 0 < obj_id <= MAX_ID:
        raise NotFound(f"{label} {obj_id} not found.")
    query = select(model).where(model.id == obj_id, model.tenant_id == tenant_id)
    if lock:
        query = query.with_for_update()
    obj = db.scalar(query)
    if obj is None:
        raise NotFound(f"{label} {obj_id} not found.")
    return obj


@dataclass
class Page:
    """Paging ordered by id: ``page`` from 1, ``page_size`` rows, ``order`` ASC or DESC.

    With ``after_id`` the page starts after that id (before it for DESC) instead of at an offset: the database
    seeks straight to it through the id index, so the millionth row costs what the first does. ``page`` counts
    from the start and the database must step over every row before it.
    """

    page: int = 1
    page_size: int = 25
    order: str = "ASC"
    after_id: int | None = None

    def apply(self, db, query, id_column, total: int | None = None):
        """Run ``query`` for this page; returns (rows, total number of matching rows).

        ``total``, when the caller already knows it exactly (kept counters), replaces the COUNT over the query.
        """
        if total is None:
            total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        ordering = id_column.desc() if self.order == "DESC" else id_column.asc()
        if self.after_id is not None:
            query = query.where(id_column < self.after_id if self.order == "DESC" else id_column > self.after_id)
        else:
            query = query.offset((self.page - 1) * self.page_size)
        rows = db.scalars(query.order_by(ordering).limit(self.page_size)).all()
        return rows, total

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
    """Offset paging ordered by id: ``page`` from 1, ``page_size`` rows, ``order`` ASC or DESC."""

    page: int = 1
    page_size: int = 25
    order: str = "ASC"

    def apply(self, db, query, id_column):
        """Run ``query`` for this page; returns (rows, total number of matching rows)."""
        total = db.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
        ordering = id_column.desc() if self.order == "DESC" else id_column.asc()
        rows = db.scalars(query.order_by(ordering).limit(self.page_size).offset((self.page - 1) * self.page_size)).all()
        return rows, total

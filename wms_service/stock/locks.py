"""The bin locks: every writer of a bin's stock, record counters or reservations holds its bin's row first.

On PostgreSQL that is ``SELECT ... FOR NO KEY UPDATE`` on the bins, taken in id order so two writers never wait
on each other in a cycle. On SQLite the request already holds the database's write lock (``BEGIN IMMEDIATE``),
so the row lock is a no-op there.
"""

from collections.abc import Iterable

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from .models import Bin


def _locking(skip_locked: bool) -> Select:
    return (
        select(Bin.id, Bin.warehouse_id, Bin.maximum_amount, Bin.active)
        .where(Bin.tenant_id == bindparam("tenant_id"), Bin.id.in_(bindparam("bin_ids", expanding=True)))
        .order_by(Bin.id)
        .with_for_update(key_share=True, skip_locked=skip_locked)
    )


# Built once: every write of stock runs it.
LOCKING = {False: _locking(False), True: _locking(True)}


def lock_bins(db: Session, tenant_id: int, bin_ids: Iterable[int], *, skip_locked: bool = False) -> dict:
    """Lock the tenant's bins in id order and return their rows (``id``, ``warehouse_id``, ``maximum_amount``,
    ``active``).

    PostgreSQL locks the rows in the order the sorted scan returns them, so lockers never wait in a cycle.

    ``FOR NO KEY UPDATE`` shuts out other posts to these bins and edits of the bins, but not the key-share locks
    that inserts referencing a bin take (a new stocktaking, say), so those never join a lock cycle with a post.

    ``skip_locked``: for a writer that already holds other bins and so may not wait (a count moving the
    reservations it overtook): bins another transaction holds are left out of the answer instead of waited for.
    """
    rows = db.execute(LOCKING[skip_locked], {"tenant_id": tenant_id, "bin_ids": sorted(bin_ids)})
    return {row.id: row for row in rows}

"""The documents' tables. Stocktaking's kept their names when they moved here from ``stock/models.py``."""

from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..audit import AuditMixin
from ..catalog.delete_rules import blocks_delete
from ..db import NEVER_REUSED, Base, IdMixin, IdType, Quantity


class StocktakingStatus(StrEnum):
    OPEN = "OPEN"
    FINISHED = "FINISHED"


class Stocktaking(IdMixin, AuditMixin, Base):
    """A count of one bin: open while its lines are counted, finished (final) once the differences are posted."""

    __tablename__ = "stocktaking"
    __table_args__ = (NEVER_REUSED,)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"), index=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bin.id"), index=True, info=blocks_delete("stocktakings"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouse.id"), info=blocks_delete("stocktakings"))
    user_id: Mapped[int | None] = mapped_column(IdType)
    reference_type: Mapped[str | None] = mapped_column(String(40))
    finished: Mapped[bool] = mapped_column(Boolean, default=False)
    finished_at: Mapped[int | None] = mapped_column(IdType)

    @property
    def status(self) -> StocktakingStatus:
        # The seed's API has a "finished" flag; the status is read from it rather than stored twice.
        return StocktakingStatus.FINISHED if self.finished else StocktakingStatus.OPEN

    @status.setter
    def status(self, value: StocktakingStatus) -> None:
        self.finished = value == StocktakingStatus.FINISHED


class CountedLine:
    """The columns of a counted line, the same for a stocktaking's and an inventory's (``counting.py`` reads and
    writes them)."""

    counted_quantity: Mapped[int] = mapped_column(Integer)
    # What the ledger held when the line was (last) counted: finishing posts counted - expected, so stock that
    # moves after the count is kept (CONTRACT section 3).
    expected_quantity: Mapped[int] = mapped_column(Quantity)
    # What the ledger held when the count was finished, before its own records: the line's movedSinceCount then
    # stays what it was at the finish. None while the count is open.
    level_at_finish: Mapped[int | None] = mapped_column(Quantity)

    @property
    def difference(self) -> int:
        """What finishing the count posts (or posted) for this line."""
        return self.counted_quantity - self.expected_quantity


class StocktakingRecord(IdMixin, AuditMixin, CountedLine, Base):
    __tablename__ = "stocktaking_record"
    __table_args__ = (UniqueConstraint("stocktaking_id", "product_id", "batch_id"),)

    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenant.id", ondelete="CASCADE"))
    stocktaking_id: Mapped[int] = mapped_column(ForeignKey("stocktaking.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), info=blocks_delete("stocktaking counts"))
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), info=blocks_delete("stocktaking counts"))

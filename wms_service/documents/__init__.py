"""Documents: what moves stock besides a plain record. Each has a header, lines and a status whose moves are
written in one table (``base.StatusTable``); it moves stock only through the ledger, with a reference naming it.
No Flask here."""

from . import (
    order_supply,  # noqa: E402,F401  (registers the orders' shortfall handler with the reservations)
    sync,  # noqa: E402,F401  (registers orders and NIRs with the sync triggers)
)

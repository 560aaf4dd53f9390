"""The heart: batches, bins, the ledger and stocktaking. Plain functions over a database session, no Flask."""

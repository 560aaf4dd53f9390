"""The heart: batches, bins and the ledger. Plain functions over a database session, no Flask."""

"""Events out (CONTRACT section 8): the outbox every document status change and notification writes into, in the
same transaction as the change, and (beside it) the process that delivers them. No Flask here."""

"""The ledger: double entry, append-only, every line chained to the one before by SHA-256."""

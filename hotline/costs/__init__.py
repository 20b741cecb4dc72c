"""The cost ledger: every cost of a case as a line; totals are always derived from the lines."""

"""Reports and exports: the budget report, the quarterly report, the audit bundle."""

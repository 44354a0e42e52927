"""Paying finance-approved claims in batches (four eyes), through the bank, and corrections."""

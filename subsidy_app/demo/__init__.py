"""Demonstration data: a few organisations and talents, and one user per role."""

"""Employers (用人单位) and intermediaries (中介机构), and the cities they are in."""

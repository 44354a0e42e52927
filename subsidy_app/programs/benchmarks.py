"""Other provinces' standards: which one applies on a date (pure, no database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class BenchmarkRow:
    id: int
    category: str
    province: str
    amount: Decimal
    effective_from: date
    source: str
    is_sample: bool = False


def in_force(rows, category: str, on: date) -> list[BenchmarkRow]:
    """Each province's standard of ``category`` in force on ``on``: its latest row from a
    date on or before ``on`` (a later correction of the same date wins)."""
    latest: dict[str, BenchmarkRow] = {}
    for row in rows:
        if row.category != category or row.effective_from > on:
            continue
        current = latest.get(row.province)
        if current is None or (row.effective_from, row.id) > (current.effective_from, current.id):
            latest[row.province] = row
    return list(latest.values())


def highest_standard(rows, category: str, on: date) -> BenchmarkRow | None:
    """The highest standard of ``category`` any province had in force on ``on``."""
    candidates = in_force(rows, category, on)
    return max(candidates, key=lambda r: (r.amount, r.id)) if candidates else None

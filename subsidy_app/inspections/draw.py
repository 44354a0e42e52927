"""The draw itself: a pure function of recorded data (no database, no Flask), so that
anyone can re-run a draw from its record and get the same result.

Algorithm ``sha256-rank/v1``:

1. The sample size is ceil(ratio × N) for a population of N objects (the national notice
   asks for at least 5 %; seed 003 §三).
2. Every object gets the rank SHA-256("<seed>|<kind>|<id>") (hex, UTF-8); the objects with
   the smallest ranks are drawn.
3. For each drawn object, every inspector on the roster who has no declared conflict with
   it gets the rank SHA-256("<seed>|<kind>|<id>|<user id>"); the two smallest are assigned
   (one, or none, if the roster allows no more).

Only SHA-256 and sorting are used, so the draw can be checked with any tool.

Whoever knows the seed knows the draw, so nobody who draws may choose it: an official draw's
seed is made by the server's CSPRNG and put on record before the draw (see
``operations.make_draw``); a seed given by a caller only makes a rehearsal (演练).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from decimal import Decimal

ALGORITHM = "sha256-rank/v1"
MIN_RATIO = Decimal("0.05")
INSPECTORS_PER_OBJECT = 2


@dataclass(frozen=True)
class Candidate:
    """An object of the population, with the inspectors who may not inspect it."""

    kind: str
    id: int
    excluded: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Drawn:
    kind: str
    id: int
    inspectors: tuple[int, ...]


def sample_size(population: int, ratio: Decimal) -> int:
    """ceil(ratio × N), in exact decimal arithmetic."""
    return min(population, math.ceil(Decimal(population) * ratio))


def _rank(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def draw(seed: str, ratio: Decimal, population: list[Candidate], roster: list[int]) -> list[Drawn]:
    """Draw ceil(ratio × N) objects and assign up to two inspectors to each."""
    if ratio < MIN_RATIO or ratio > 1:
        raise ValueError(f"ratio must be between {MIN_RATIO} and 1")
    chosen = sorted(population, key=lambda c: _rank(seed, c.kind, c.id))[
        : sample_size(len(population), ratio)
    ]
    result = []
    for candidate in sorted(chosen, key=lambda c: (c.kind, c.id)):
        eligible = [user for user in set(roster) if user not in candidate.excluded]
        ranked = sorted(eligible, key=lambda user: _rank(seed, candidate.kind, candidate.id, user))
        result.append(Drawn(candidate.kind, candidate.id, tuple(ranked[:INSPECTORS_PER_OBJECT])))
    return result

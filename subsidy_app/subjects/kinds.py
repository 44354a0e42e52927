"""What a listing, a conflict or an inspection can be about."""

from __future__ import annotations

from enum import StrEnum


class SubjectKind(StrEnum):
    ORGANIZATION = "organization"
    TALENT = "talent"

"""An organisation's page: the organisation with what another domain records about it (its
spot checks, 双随机), assembled here for the API and the HTML view — the organisation's
model and operations know nothing of inspections."""

from __future__ import annotations

from ..core.permissions import Actor, can
from ..inspections import operations as inspections
from .models import Organization


class OrganizationPage:
    """The organisation's attributes, plus ``inspections`` (None for who may not read them)."""

    def __init__(self, organization: Organization, inspections: list[dict] | None):
        self.organization = organization
        self.inspections = inspections

    def __getattr__(self, name):
        return getattr(self.organization, name)

    @classmethod
    def of(cls, actor: Actor, organization: Organization) -> OrganizationPage:
        results = (
            inspections.results_for("organization", organization.id)
            if can(actor, "inspection.read")
            else None
        )
        return cls(organization, results)

"""Claims: one incentive claimed for a talent or an organisation, checked and decided."""

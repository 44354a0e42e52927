"""Foreign talent: one code per person for life (一人一码，终身不变, seed 003)."""

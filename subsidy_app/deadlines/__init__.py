"""Time limits (限时办结, seed 003 四(四)): working days per stage, and the working calendar."""

"""Rewards that are not per recruitment: Friendship Award bonuses (十四) and the rewards of
recruitment demonstration bases (十五). Recording one creates its claim, which then takes
the normal review and payment path."""

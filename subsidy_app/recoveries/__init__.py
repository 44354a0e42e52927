"""Recovery orders: money paid improperly, owed back by the payee (refund or offset)."""

"""What happens to claims, for whoever cares to listen (notices, and whatever comes next).

A claim's move does not know who is told of it: ``notifications`` subscribes. Senders pass
the claim (or, in bulk, the action) as sender.
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: sender: the claim that moved; ``action`` (a transition of workflow.py), ``actor``, ``comment``.
claim_moved = _signals.signal("claim-moved")
#: sender: the action; ``moved``: a :class:`moves.Moved` per claim; ``actor``.
claims_moved_in_bulk = _signals.signal("claims-moved-in-bulk")

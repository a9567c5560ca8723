"""The outbox: every message that is not a direct reply is a row, sent once by the dispatcher.

Entry points: ``queue`` (enqueue, cancel, how each kind is rendered), ``dispatcher`` (claim,
send through the one rate limiter, record), ``store`` and ``outcomes`` (the database side and
the retry policy), ``broadcasts`` and ``broadcast_progress``. May import the shared modules
of ``bot`` and ``models``; every other feature may use it.
"""

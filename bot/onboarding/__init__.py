"""Onboarding and identity: invite codes, contact requests from strangers, notifications to the
team, and what /privacy shows.

Entry points: ``invites`` (create, check, redeem once), ``contact``, ``notifications``,
``privacy``. May import the shared modules of ``bot``, ``bot.outbox`` and ``models``.
"""

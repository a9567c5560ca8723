"""Cases and contact time: the case list and card, /log entries, /hours, integration plans.

Entry points: ``cases``, ``case_list``, ``contact_time`` (record time once), ``entries``
(change, delete, correct), ``hours``, ``plans``. May import the shared modules of ``bot``
(``quarters`` for the billing periods), ``bot.booking`` (the card shows upcoming bookings),
the features below it and ``models``; nothing imports casework but the handlers.
"""

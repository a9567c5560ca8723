"""Casework, the Telegram side: /cases, /case and its card, /log and /hours, entries, /plan.

Entry point: :func:`register` (called by ``bot/app.py``). Services live in ``bot.casework``;
these modules may import ``bot`` (any feature's services), ``handlers``' shared modules
(context, guard, keyboards) and ``models``, but no other handler feature.
"""

from __future__ import annotations

from handlers.casework import cases, contact_time, entries, plans
from handlers.context import LotseApp


def register(app: LotseApp) -> None:
    # The plan's "type a note" step listens to free text only while it waits for it.
    plans.register(app)  # /plan: clients read their plan, caseworkers edit it
    cases.register(app)  # /cases, /case and the case card's buttons
    contact_time.register(app)  # /log, the "log time" buttons, /hours
    entries.register(app)  # change, delete and correct entries

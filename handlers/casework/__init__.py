"""Casework in one registration: cases, contact time, entries, plans and billing."""

from __future__ import annotations

from handlers.billing import billing
from handlers.casework import cases
from handlers.casework import contact_time
from handlers.casework import entries
from handlers.casework import plans
from handlers.context import LotseApp


def register(app: LotseApp) -> None:
    # The plan's "type a note" step listens to free text only while it waits for it.
    plans.register(app)  # /plan: clients read their plan, caseworkers edit it
    cases.register(app)  # /cases, /case and the case card's buttons
    contact_time.register(app)  # /log, the "log time" buttons, /hours
    entries.register(app)  # change, delete and correct entries
    billing.register(app)  # admin: /report, /close_quarter

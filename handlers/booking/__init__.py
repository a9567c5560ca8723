"""Consultation booking, the Telegram side, registered in one place (:func:`register`): clients
book and manage appointments, staff keep office hours, blocks and absences and work through
their day. May import ``bot`` and the shared modules of ``handlers``, no other handler feature.
"""

from __future__ import annotations

from handlers.booking import absence, appointments, blocks, booking, office_hours, today
from handlers.context import LotseApp


def register(app: LotseApp) -> None:
    booking.register(app)  # client: /book (topic → day → time → confirm, .ics file)
    appointments.register(app)  # client: /appointments with cancel and change buttons
    today.register(app)  # staff: /today, /week with done / no-show / cancel
    office_hours.register(app)  # staff: /officehours list, add, remove
    blocks.register(app)  # staff: /block one-off time
    absence.register(app)  # staff: /absent with substitute

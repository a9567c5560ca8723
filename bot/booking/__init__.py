"""Consultation booking: office hours, free slots, bookings, blocks, absences and substitutes.

Entry points: ``bookings`` (book, move, cancel, close), ``availability`` and ``slots`` (free
times), ``office_hours``, ``blocks``, ``absences``, ``booking_notices`` (reminders and
notifications through the outbox). May import the shared modules of ``bot``, ``bot.reminders``
(reminder settings), ``bot.outbox`` and ``models``.
"""

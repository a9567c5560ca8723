"""Reminders: waste collection (iCalendar import, zones), school and Kita (holidays, the sick
note), external appointments (/remind), the client's reminder settings and the nightly planners.

Entry points: ``planners`` (put the coming days' reminders into the outbox), ``waste``,
``waste_import`` (``lotse import-waste``), ``school``, ``appointments``, ``reminder_settings``.
The school holidays live in ``data/``. May import the shared modules of ``bot``,
``bot.outbox`` and ``models``.
"""

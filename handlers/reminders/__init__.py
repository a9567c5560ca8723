"""Reminders, the Telegram side: /waste, /children, /reminders, staff /remind and the planner
jobs, all registered by ``reminders.register``. May import ``bot`` and the shared modules of
``handlers``, no other handler feature.
"""

"""Onboarding, the Telegram side: /start with invite links and consent, the public menu and
"please contact me", /invite for caseworkers, /privacy. Each module has its ``register``,
called in order by ``bot/app.py``. May import ``bot``, the shared modules of ``handlers`` and
``handlers.outbox.dispatch`` (to send a notification at once), no other handler feature.
"""

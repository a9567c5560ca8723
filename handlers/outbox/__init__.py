"""The outbox, the Telegram side: /broadcast (``broadcast``, ``broadcast_views``) and the
dispatcher's JobQueue job and Bot API transport (``dispatch``). Registered by ``bot/app.py``.
May import ``bot`` and the shared modules of ``handlers``.
"""

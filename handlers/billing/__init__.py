"""Billing, the Telegram side: /report and /close_quarter for admins (``billing.register``).

May import ``bot``, the shared modules of ``handlers`` and ``handlers.casework.casework_ui``
(refusal texts), no other handler feature.
"""

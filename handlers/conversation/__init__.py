"""Conversations between clients and integration managers (bot/conversation)."""

from __future__ import annotations

from handlers.context import LotseApp
from handlers.conversation import buttons, inbox, relay, urgent


def register(app: LotseApp) -> None:
    """Last of the features: a flow waiting for text (a plan note, an /invite) takes it first."""
    inbox.register(app)  # /inbox, "show again"
    buttons.register(app)  # quick replies, "done", one-tap contact time
    urgent.register(app)  # "I need help urgently"
    relay.register(app)  # /reply, and every message outside a flow

"""/privacy: what Lotse stores about the person asking."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Update

from bot.audit import audit
from bot.i18n import LANGUAGES
from bot.onboarding.privacy import data_held
from bot.roles import Role
from handlers.context import LotseApp, LotseContext
from handlers.guard import command
from models import Client


async def privacy_text(session: AsyncSession, context: LotseContext) -> str:
    """The data held about the reader, or what would be stored, in their language."""
    t, actor = context.t, context.actor
    if actor.role is Role.CLIENT and actor.client_id is not None:
        client = await session.get(Client, actor.client_id)
        assert client is not None
        await session.refresh(client, ["municipality", "caseworker"])
        audit(session, actor=actor, action="client:privacy", target=f"client:{client.reference}")
        text = t._(
            "This is what we store about you:\n"
            "Case reference: %(reference)s\n"
            "Name: %(name)s\n"
            "Language: %(language)s\n"
            "Town: %(municipality)s\n"
            "Consent given: %(consent)s\n"
            "Integration manager: %(caseworker)s\n\n"
            "To have your data deleted, tell your integration manager. Records needed for "
            "billing are kept without your name, as the law requires.",
            reference=client.reference,
            name=client.display_name,
            language=LANGUAGES[t.language].native_name,
            municipality=client.municipality.name,
            consent=client.consent_at or "–",
            caseworker=client.caseworker.name if client.caseworker else t._("not assigned yet"),
        )
        held = await data_held(session, client_id=client.id, now=context.now())
        extra = [t._("Upcoming appointments: %(count)s", count=held.upcoming_appointments)]
        if held.children:
            extra.append(t._("Children you told us about: %(names)s",
                             names=", ".join(held.children)))
        if held.waste_zone:
            extra.append(t._("Waste collection zone: %(zone)s", zone=held.waste_zone))
        if held.messages:
            extra.append(t._("Messages between you and the integration management: "
                             "%(count)s, of them with a photo, document, voice or video: "
                             "%(files)s (kept as Telegram references, not downloaded)",
                             count=held.messages, files=held.files))
        return text + "\n\n" + t._("Also stored:") + "\n" + "\n".join(extra)
    if actor.is_staff:
        return t._(
            "We store your name, your Telegram account, your language, the towns you work "
            "for and a log of what you do with case data (audit log)."
        )
    return t._(
        "We store nothing about you until you accept an invitation or ask to be contacted. "
        "If you ask to be contacted, we store your Telegram name, your language and your town "
        "and pass them to the integration management team."
    )


async def privacy(update: Update, context: LotseContext) -> None:
    """Show the data held about the user."""
    assert update.effective_message is not None
    async with context.uow() as session:
        text = await privacy_text(session, context)
    await update.effective_message.reply_text(text)


def register(app: LotseApp) -> None:
    app.add_handler(command("privacy", privacy))

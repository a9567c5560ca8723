"""/start: the public menu, the menus of clients and staff, and onboarding by invite link."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.audit import audit
from bot.commands import menu_for
from bot.i18n import LANGUAGES, Translator, user_text
from bot.onboarding.invites import InviteCheck, InviteState, check_invite, redeem_invite
from bot.roles import Role
from bot.texts import command_list
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from handlers.keyboards import client_menu, public_menu
from handlers.menus import set_staff_menu
from models import Client, InviteKind, Municipality


async def start(update: Update, context: LotseContext) -> None:
    """Open the right menu, or begin onboarding when the link carried an invite code."""
    if context.args:
        await _start_with_code(update, context, context.args[0])
        return
    await show_home(update, context)


async def show_home(update: Update, context: LotseContext) -> None:
    """The main menu of whoever is writing."""
    t, actor = context.t, context.actor
    message = update.effective_message
    assert message is not None
    if actor.role is Role.STRANGER:
        await message.reply_text(
            t._(
                "Welcome to Lotse, the chat of the integration management of Brackenheim and "
                "Cleebronn.\n\nWe help refugees find their way: authorities, language courses, "
                "work, housing, school and Kita. If your integration manager gave you an "
                "invitation link, please open it. Otherwise choose below."
            ),
            reply_markup=public_menu(t),
        )
    elif actor.role is Role.CLIENT:
        await message.reply_text(
            # The commands are links: one tap books, shows appointments, waste days …
            t._("Hello %(name)s! What would you like to do?", name=user_text(actor.name))
            + "\n\n"
            + command_list(t, menu_for(actor.role)),
            reply_markup=client_menu(t),
        )
    else:
        name = user_text(actor.name)
        greeting = (
            t._("Hello %(name)s. You are signed in as administrator.", name=name)
            if actor.role is Role.ADMIN
            else t._("Hello %(name)s. You are signed in as integration manager.", name=name)
        )
        await message.reply_text(greeting + "\n\n" + command_list(t, menu_for(actor.role)))


async def _start_with_code(update: Update, context: LotseContext, code: str) -> None:
    t = context.t
    message = update.effective_message
    assert message is not None
    async with context.uow() as session:
        check = await check_invite(session, code, now=context.now())
        if check.state is InviteState.VALID and context.actor.role is not Role.STRANGER:
            check = InviteCheck(InviteState.ALREADY_REGISTERED, check.invite)
        audit(session, actor=context.actor, action="invite:open",
              allowed=check.state is InviteState.VALID, detail=check.state.value)
        invite = check.invite
        if check.state is not InviteState.VALID or invite is None:
            await message.reply_text(invite_problem(t, check.state))
            return
        if invite.kind is InviteKind.CASEWORKER:
            await _link_caseworker(update, context, code)
            return
        assert invite.client is not None
        language = invite.client.language or t.language
        name = invite.client.display_name
        town = await _town_of(session, invite.client)
    settings = context.settings
    await message.reply_text(
        consent_text(context.translator(language), name, town=town,
                     months=settings.retention_months, url=settings.privacy_notice_url),
        reply_markup=consent_keyboard(context.translator(language), code),
    )


def invite_problem(t: Translator, state: InviteState) -> str:
    if state is InviteState.EXPIRED:
        return t._("This invitation link has expired. Please ask your integration manager "
                   "for a new one.")
    if state is InviteState.USED:
        return t._("This invitation link has already been used. Each link works only once. "
                   "If this was not you, please tell your integration manager.")
    if state is InviteState.ALREADY_REGISTERED:
        return t._("You are already registered with Lotse. /help shows what I can do.")
    return t._("This invitation link is not valid. Please check that you opened the whole "
               "link, or ask your integration manager for a new one.")


def consent_text(t: Translator, name: str, *, town: str, months: int, url: str) -> str:
    """Who is responsible, what is stored and why, Telegram, how long, the rights."""
    return t._(
        "Hello %(name)s! Your integration manager has invited you to Lotse.\n\n"
        "Responsible for your data: %(town)s.\n"
        "What we store: your first name or a pseudonym, your language, your town, your "
        "Telegram account, your appointments, the reminders you choose and notes by your "
        "integration manager. Later, if you tell us: your children's names and your waste "
        "collection zone.\n"
        "Why: so that your integration manager can advise you, remind you of appointments "
        "and reach you.\n"
        "Telegram: your messages pass through Telegram, a company outside the EU. Telegram "
        "can see that you write to us and when. Please do not write about health, violence "
        "or your residence status here; tell your integration manager in person.\n"
        "How long: until you ask us to delete it, at the latest %(months)s months after your "
        "case is closed. The minutes of your consultations stay for billing, with your case "
        "reference only.\n"
        "Your rights: you can withdraw your consent at any time: /privacy, then \u201cDelete "
        "my data\u201d. You can complain to the data protection authority of "
        "Baden-W\u00fcrttemberg (LfDI BW).\n"
        "Full notice: %(url)s\n\n"
        "Do you agree?",
        name=user_text(name), town=town, months=months, url=url or "–",
    )


async def _town_of(session: AsyncSession, client: Client | None) -> str:
    if client is None:
        return "–"
    municipality = await session.get(Municipality, client.municipality_id)
    return municipality.name if municipality else "–"


def consent_keyboard(t: Translator, code: str) -> InlineKeyboardMarkup:
    """Accept or decline in the language shown; other languages re-show the text."""
    others = [
        InlineKeyboardButton(lang.native_name, callback_data=f"cl:{lang.code}:{code}")
        for lang in LANGUAGES.values()
        if lang.code != t.language
    ]
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("Yes, I agree"), callback_data=f"cy:{t.language}:{code}")],
            [InlineKeyboardButton(t._("No, thank you"), callback_data="cn:")],
            *[others[i : i + 3] for i in range(0, len(others), 3)],
        ]
    )


async def change_consent_language(update: Update, context: LotseContext) -> None:
    """Show the consent text again in another language, before anything is stored."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, language, code = query.data.split(":", 2)
    async with context.uow() as session:
        check = await check_invite(session, code, now=context.now())
        client = check.invite.client if check.invite else None
        name = client.display_name if client else ""
        town = await _town_of(session, client)
    await query.answer()
    if check.state is not InviteState.VALID or language not in LANGUAGES:
        await query.edit_message_text(invite_problem(context.t, check.state))
        return
    t = context.translator(language)
    settings = context.settings
    await query.edit_message_text(
        consent_text(t, name, town=town, months=settings.retention_months,
                     url=settings.privacy_notice_url),
        reply_markup=consent_keyboard(t, code))


async def accept_consent(update: Update, context: LotseContext) -> None:
    """Link the account: the invite is used and consent recorded in one transaction."""
    query, user, message = update.callback_query, update.effective_user, update.effective_message
    assert query is not None and query.data is not None and user is not None
    assert message is not None
    _, language, code = query.data.split(":", 2)
    language = language if language in LANGUAGES else context.t.language
    t = context.translator(language)
    async with context.uow() as session:
        result = await redeem_invite(session, code, telegram_id=user.id, now=context.now())
        client = result.invite.client if result.invite else None
        if result.state is InviteState.VALID and client is not None:
            client.language = language
            audit(session, actor=context.actor, action="client:consent",
                  target=f"client:{client.reference}")
        else:
            audit(session, actor=context.actor, action="client:consent", allowed=False,
                  detail=result.state.value)
    await query.answer()
    if result.state is not InviteState.VALID or client is None:
        await query.edit_message_text(invite_problem(t, result.state))
        return
    await query.edit_message_text(
        t._(
            "Thank you, %(name)s. You are now connected with the integration management of "
            "%(municipality)s. Your case reference is %(reference)s.",
            name=user_text(client.display_name),
            municipality=client.municipality.name,
            reference=client.reference,
        )
    )
    await message.reply_text(
        t._("What would you like to do?") + "\n\n" + command_list(t, menu_for(Role.CLIENT)),
        reply_markup=client_menu(t),
    )


async def decline_consent(update: Update, context: LotseContext) -> None:
    """Nothing that names the stranger was stored (the audit log keeps a keyed hash)."""
    query = update.callback_query
    assert query is not None
    await query.answer()
    await query.edit_message_text(
        context.t._(
            "That is all right. We have stored nothing that names you: only a coded entry "
            "without your Telegram account, so that misuse can be traced. If you change your "
            "mind, open the invitation link again while it is valid."
        )
    )


async def _link_caseworker(update: Update, context: LotseContext, code: str) -> None:
    user = update.effective_user
    message = update.effective_message
    assert user is not None and message is not None
    async with context.uow() as session:
        result = await redeem_invite(session, code, telegram_id=user.id, now=context.now())
        caseworker = result.invite.caseworker if result.invite else None
        if result.state is InviteState.VALID and caseworker is not None:
            audit(session, actor=context.actor, action="caseworker:link",
                  target=f"caseworker:{caseworker.id}")
            towns = ", ".join(m.name for m in caseworker.municipalities)
            role = Role.ADMIN if caseworker.is_admin else Role.CASEWORKER
    if result.state is not InviteState.VALID or caseworker is None:
        await message.reply_text(invite_problem(context.t, result.state))
        return
    t = context.translator(caseworker.language)
    await message.reply_text(
        t._("Welcome, %(name)s! You are now registered for %(towns)s.",
            name=user_text(caseworker.name), towns=towns or "–")
        + "\n\n"
        + command_list(t, menu_for(role))
    )
    await set_staff_menu(context.bot, user.id, role, t)


def register(app: LotseApp) -> None:
    app.add_handler(command("start", start))
    app.add_handler(button("cl", change_consent_language))
    app.add_handler(button("cy", accept_consent))
    app.add_handler(button("cn", decline_consent))


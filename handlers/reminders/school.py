"""/children: children at school or Kita, the school calendar, and "my child is sick".

The child's name is asked with a reply prompt; only a reply to that very prompt is taken
as a name, so that a client who walks away from it can write anything else afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import MessageHandler, filters

from bot.audit import audit
from bot.i18n import Translator, user_text
from bot.reminders import school_calendar as cal
from bot.reminders.planners import plan_school_reminders
from bot.reminders.school import (
    MAX_NAME,
    add_child,
    child_of,
    children_of,
    clean_child_name,
    clean_school_name,
    holiday_name,
    is_latin,
    remove_child,
    school_spelling_suggestion,
    set_school_name,
    sick_note,
)
from bot.text_limits import telegram_length, too_long
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import Child, ChildPlace

DURATIONS = (1, 2, 3, 5, 0)  # expected school days absent; 5 = a week, 0 = not known yet


@dataclass(frozen=True)
class _Prompt:
    message_id: int
    place: ChildPlace
    child_id: int | None = None  # set when the school's spelling of this child is asked


class _NamePrompts(filters.MessageFilter):
    """Text that replies to the open "child's name" prompt of its chat (kept in memory)."""

    def __init__(self) -> None:
        super().__init__(name="child_name_reply")
        self.open: dict[int, _Prompt] = {}

    def filter(self, message: Message) -> bool:
        prompt = self.open.get(message.chat.id)
        reply = message.reply_to_message
        return bool(prompt and reply and reply.message_id == prompt.message_id
                    and message.text and not message.text.startswith("/"))


NAME_PROMPTS = _NamePrompts()


async def show_children(update: Update, context: LotseContext) -> None:
    """List the children with their buttons, and the coming school dates."""
    message = update.effective_message
    assert message is not None and context.actor.client_id is not None
    async with context.uow() as session:
        children = await children_of(session, context.actor.client_id)
    text, markup = children_view(context.t, children, _today(context))
    await message.reply_text(text, reply_markup=markup)


async def ask_child_name(update: Update, context: LotseContext) -> None:
    """Ask for the name of a child at school or Kita, as a reply prompt."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and query.data is not None and message is not None
    place = query.data.removeprefix("chadd:")
    if place not in {p.value for p in ChildPlace}:
        await _stale(update, context)
        return
    await query.answer()
    t = context.t
    await _prompt_name(message, t._("What is the child's name? Please answer this message. "
                                     "A first name or \"child 1\" is enough."),
                       t, ChildPlace(place))


async def _prompt_name(message: Message, text: str, t: Translator, place: ChildPlace) -> None:
    prompt = await message.reply_text(text, reply_markup=ForceReply(
        input_field_placeholder=t._("First name or \"child 1\"")))
    NAME_PROMPTS.open[prompt.chat_id] = _Prompt(prompt.message_id, place)


async def _ask_school_spelling(message: Message, t: Translator, child: Child,
                               problem: str | None = None) -> None:
    """Ask how the school writes a name that is not in Latin letters: a suggestion to
    confirm with a button, or the spelling typed as an answer to the prompt."""
    suggestion = school_spelling_suggestion(child.name)
    await message.reply_text(
        problem or t._("How is %(name)s written at school, in Latin letters? The school "
                       "and the offices need this spelling for German letters, such as the "
                       "sick note. A suggestion: %(suggestion)s",
                       name=user_text(child.name), suggestion=suggestion),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
            t._("✅ %(name)s is right", name=user_text(suggestion)),
            callback_data=f"chlat:{child.id}")]]))
    prompt = await message.reply_text(
        t._("If the school writes it differently, please answer this message with the name "
            "as it is written at school."),
        reply_markup=ForceReply(input_field_placeholder=t._("Name as written at school")))
    NAME_PROMPTS.open[prompt.chat_id] = _Prompt(prompt.message_id, child.place, child.id)


async def receive_child_name(update: Update, context: LotseContext) -> None:
    """Store the child; with a school child come the school reminders."""
    message = update.effective_message
    assert message is not None and message.text is not None and context.actor.client_id
    t, client_id = context.t, context.actor.client_id
    prompt = NAME_PROMPTS.open.pop(message.chat_id, None)
    if prompt is None:  # a second answer to the same prompt
        return
    if prompt.child_id is not None:
        await _receive_school_spelling(message, context, prompt.child_id)
        return
    name, place = clean_child_name(message.text), prompt.place
    if name is None:
        problem = t._("Please answer with a name of 1 to 40 characters, on one line.")
        typed = " ".join(message.text.split())
        if telegram_length(typed) > MAX_NAME:
            problem = too_long(t, problem, typed)
        await _prompt_name(message, problem, t, place)
        return
    async with context.uow() as session:
        child = await add_child(session, client_id=client_id, name=name, place=place,
                                now=context.now())
        if child is not None:
            await plan_school_reminders(session, now=context.now(),
                                        timezone=context.settings.timezone, client_id=client_id)
            audit(session, actor=context.actor, action="child:add")
        children = await children_of(session, client_id)
    if child is None:
        await message.reply_text(t._("You cannot add more children here. Please ask your "
                                     "integration manager."))
        return
    if not is_latin(child.name):
        await _ask_school_spelling(message, t, child)
        return
    text, markup = children_view(t, children, _today(context))
    await message.reply_text(text, reply_markup=markup)


async def _receive_school_spelling(message: Message, context: LotseContext,
                                   child_id: int) -> None:
    assert message.text is not None and context.actor.client_id is not None
    t, client_id = context.t, context.actor.client_id
    name = clean_school_name(message.text)
    async with context.uow() as session:
        child = await child_of(session, client_id=client_id, child_id=child_id)
        if child is not None and name is not None:
            await set_school_name(session, client_id=client_id, child_id=child_id, name=name)
            audit(session, actor=context.actor, action="child:school_name")
        children = await children_of(session, client_id)
    if child is None:
        return
    if name is None:
        await _ask_school_spelling(message, t, child, problem=t._(
            "Please write the name in Latin letters (A–Z), as the school writes it, with 1 "
            "to 40 characters on one line. A suggestion: %(suggestion)s",
            suggestion=school_spelling_suggestion(child.name)))
        return
    text, markup = children_view(t, children, _today(context))
    await message.reply_text(text, reply_markup=markup)


async def confirm_school_spelling(update: Update, context: LotseContext) -> None:
    """The suggested Latin spelling is how the school writes the name."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and query.data is not None and message is not None
    assert context.actor.client_id is not None
    value, client_id = query.data.removeprefix("chlat:"), context.actor.client_id
    async with context.uow() as session:
        child = value.isdigit() and await child_of(session, client_id=client_id,
                                                   child_id=int(value))
        if child:
            await set_school_name(session, client_id=client_id, child_id=child.id,
                                  name=school_spelling_suggestion(child.name))
            audit(session, actor=context.actor, action="child:school_name")
        children = await children_of(session, client_id)
    if not child:
        await _stale(update, context)
        return
    prompt = NAME_PROMPTS.open.get(message.chat_id)
    if prompt is not None and prompt.child_id == child.id:
        del NAME_PROMPTS.open[message.chat_id]
    await query.answer()
    text, markup = children_view(context.t, children, _today(context))
    await query.edit_message_text(text, reply_markup=markup)


async def delete_child(update: Update, context: LotseContext) -> None:
    """Remove a child (and, without school children, the school reminders)."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.actor.client_id
    value = query.data.removeprefix("chdel:")
    async with context.uow() as session:
        removed = value.isdigit() and await remove_child(
            session, client_id=context.actor.client_id, child_id=int(value))
        if removed:
            audit(session, actor=context.actor, action="child:remove")
        children = await children_of(session, context.actor.client_id)
    if not removed:
        await _stale(update, context)
        return
    await query.answer(context.t._("Removed."))
    text, markup = children_view(context.t, children, _today(context))
    await query.edit_message_text(text, reply_markup=markup)


async def ask_sick_duration(update: Update, context: LotseContext) -> None:
    """Ask how long the child will probably be absent."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and query.data is not None and message is not None
    child = await _child(context, query.data.removeprefix("sick:"))
    if child is None:
        await _stale(update, context)
        return
    t = context.t
    await query.answer()
    if child.school_name is None and not is_latin(child.name):
        # The note for the school needs the school's spelling: ask for it first.
        await _ask_school_spelling(message, t, child)
        return
    labels = [t.ngettext("%(n)s day", "%(n)s days", n) for n in DURATIONS[:3]]
    labels += [t._("About a week"), t._("I don't know yet")]
    await message.reply_text(
        t._("I am sorry that %(name)s is ill. How long will %(name)s probably be absent?",
            name=user_text(child.name)),
        reply_markup=InlineKeyboardMarkup([
            [InlineKeyboardButton(label, callback_data=f"sickd:{child.id}:{days}")]
            for label, days in zip(labels, DURATIONS, strict=True)]),
    )


async def send_sick_note(update: Update, context: LotseContext) -> None:
    """Explain the rule in the parent's language, then send the German note to forward."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and query.data is not None and message is not None
    child_id, _, days = query.data.removeprefix("sickd:").partition(":")
    child = await _child(context, child_id)
    if child is None or not days.isdigit():
        await _stale(update, context)
        return
    note = sick_note(context.t, child=child, parent=context.actor.name, days=int(days),
                     today=_today(context))
    await query.answer()
    await query.edit_message_text(note.explanation)
    await message.reply_text(note.letter)


def children_view(t: Translator, children: list[Child], today: date
                  ) -> tuple[str, InlineKeyboardMarkup]:
    if children:
        lines = [t._("👧 Your children:")]
        lines += [t._("• %(name)s – school", name=user_text(c.name)) if c.place is ChildPlace.SCHOOL
                  else t._("• %(name)s – Kita", name=user_text(c.name)) for c in children]
    else:
        lines = [t._("You have not added any children yet. Add your children at school or "
                     "Kita to get reminders before and after the school holidays, and help "
                     "when a child is sick. A first name or \"child 1\" is enough.")]
    holidays, year = cal.next_holidays(today), cal.next_school_year_start(today)
    if holidays is not None:
        lines += ["", t._("Next school holidays: %(name)s, %(first)s – %(last)s.",
                          name=holiday_name(t, holidays.name_de), first=holidays.first,
                          last=holidays.last)]
    if year is not None:
        lines.append(t._("The new school year begins on %(date)s.", date=year))
    lines += ["", t._("Schools may add a few days off of their own (bewegliche Ferientage); "
                      "the school tells you in the letter to parents (Elternbrief).")]
    rows = [[InlineKeyboardButton(t._("🤒 %(name)s is sick", name=user_text(c.name)),
                                  callback_data=f"sick:{c.id}"),
             InlineKeyboardButton(t._("🗑 Remove %(name)s", name=user_text(c.name)),
                                  callback_data=f"chdel:{c.id}")] for c in children]
    rows.append([InlineKeyboardButton(t._("➕ Child at school"), callback_data="chadd:school"),
                 InlineKeyboardButton(t._("➕ Child at Kita"), callback_data="chadd:kita")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


async def _child(context: LotseContext, value: str) -> Child | None:
    if not value.isdigit() or context.actor.client_id is None:
        return None
    async with context.uow() as session:
        return await child_of(session, client_id=context.actor.client_id, child_id=int(value))


async def _stale(update: Update, context: LotseContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer(
        context.t._("This button is no longer valid. Please start again with /children."),
        show_alert=True)


def _today(context: LotseContext) -> date:
    return context.now().astimezone(context.settings.timezone).date()


def register(app: LotseApp) -> None:
    app.add_handler(command("children", show_children))
    app.add_handler(MessageHandler(filters.TEXT & NAME_PROMPTS, receive_child_name))
    app.add_handler(button("chadd", ask_child_name))
    app.add_handler(button("chdel", delete_child))
    app.add_handler(button("chlat", confirm_school_spelling))
    app.add_handler(button("sick", ask_sick_duration))
    app.add_handler(button("sickd", send_sick_note))

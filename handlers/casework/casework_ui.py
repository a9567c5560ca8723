"""Small pieces the casework handlers share: durations, kinds, day buttons, refusals."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import date, timedelta
from decimal import Decimal

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.audit import audit
from bot.casework.contact_time import KIND_LABELS
from bot.casework.plans import AREA_LABELS, STATUS_ICONS, STATUS_LABELS
from bot.i18n import Translator, user_text
from bot.refusal import Refused, TooLong
from bot.special_categories import shown, shown_note
from bot.text_limits import length_hint, telegram_length, truncate
from handlers.context import LotseContext
from models import ContactEntry, ContactKind, PlanArea, PlanGoal

MAX_TEXT = 4000  # UTF-16 code units: below Telegram's 4096, a margin for a closing line
KIND_CODES: dict[ContactKind, str] = {
    ContactKind.CONSULTATION: "co",
    ContactKind.HOME_VISIT: "hv",
    ContactKind.PHONE: "ph",
    ContactKind.ACCOMPANIMENT: "ac",
    ContactKind.GROUP_EVENT: "ge",
    ContactKind.TRAVEL: "tr",
}
KINDS_BY_CODE = {code: kind for kind, code in KIND_CODES.items()}
MINUTE_PRESETS = (10, 15, 20, 30, 45, 60, 90, 120, 180)


@asynccontextmanager
async def casework_uow(context: LotseContext) -> AsyncIterator[AsyncSession]:
    """The handler's unit of work; an audited refusal is recorded after the rollback."""
    try:
        async with context.uow() as session:
            yield session
    except Refused as exc:
        if exc.audit is not None:
            async with context.uow() as session:
                audit(session, actor=context.actor, allowed=False, **exc.audit)
        raise


def duration(t: Translator, minutes: int) -> str:
    """45 min, 1 h 30 min; corrections keep their sign."""
    sign = "−" if minutes < 0 else ""
    hours, rest = divmod(abs(minutes), 60)
    if not hours:
        return sign + t._("%(minutes)s min", minutes=rest)
    if not rest:
        return sign + t._("%(hours)s h", hours=hours)
    return sign + t._("%(hours)s h %(minutes)s min", hours=hours, minutes=rest)


def money_text(t: Translator, value: Decimal) -> str:
    """An amount with two decimals in the reader's locale (the € sign stays in the text)."""
    return str(format_decimal(value, format="#,##0.00", locale=t.locale))


def kind_label(t: Translator, kind: ContactKind) -> str:
    return t._(KIND_LABELS[kind])


def short_day(t: Translator, day: date) -> str:
    return str(format_skeleton("MMMEd", day, locale=t.locale))


def refusal(t: Translator, exc: Refused) -> str:
    text = t._(exc.message, **exc.params)
    return f"{text}\n\n{length_hint(t, exc.length)}" if isinstance(exc, TooLong) else text


def entry_line(t: Translator, entry: ContactEntry) -> str:
    """One entry in a list: date, duration, kind, case, and whether it is a correction."""
    line = t._("%(date)s · %(duration)s · %(kind)s · %(case)s",
               date=short_day(t, entry.entry_date), duration=duration(t, entry.minutes),
               kind=kind_label(t, entry.kind), case=entry.case_reference or "–")
    if entry.is_correction:
        line += " · " + t._("correction")
    return line


def day_buttons(t: Translator, today: date, prefix: str) -> list[list[InlineKeyboardButton]]:
    """Today, yesterday and the five days before, two per row."""
    buttons = [InlineKeyboardButton(t._("Today"), callback_data=f"{prefix}:{today:%Y%m%d}"),
               InlineKeyboardButton(t._("Yesterday"),
                                    callback_data=f"{prefix}:{today - timedelta(days=1):%Y%m%d}")]
    for back in range(2, 7):
        day = today - timedelta(days=back)
        buttons.append(InlineKeyboardButton(short_day(t, day),
                                            callback_data=f"{prefix}:{day:%Y%m%d}"))
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def kind_buttons(t: Translator, prefix: str, kinds: Iterable[ContactKind]
                 ) -> list[list[InlineKeyboardButton]]:
    buttons = [InlineKeyboardButton(kind_label(t, kind),
                                    callback_data=f"{prefix}:{KIND_CODES[kind]}")
               for kind in kinds]
    return [buttons[i:i + 2] for i in range(0, len(buttons), 2)]


def minute_buttons(prefix: str, presets: Iterable[int]) -> list[list[InlineKeyboardButton]]:
    buttons = [InlineKeyboardButton(str(m), callback_data=f"{prefix}:{m}") for m in presets]
    return [buttons[i:i + 3] for i in range(0, len(buttons), 3)]


def parse_day(text: str) -> date | None:
    """A yyyymmdd from callback data."""
    if len(text) != 8 or not text.isdigit():
        return None
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        return None


def chunks(lines: Iterable[str], limit: int = MAX_TEXT) -> list[str]:
    """Join lines into messages of at most ``limit`` UTF-16 code units (as Telegram counts);
    a line that is longer on its own is cut."""
    messages: list[str] = []
    current, size = "", 0
    for line in lines:
        line = truncate(line, limit)
        length = telegram_length(line)
        if current and size + 1 + length > limit:
            messages.append(current)
            current, size = line, length
        elif current:
            current, size = f"{current}\n{line}", size + 1 + length
        else:
            current, size = line, length
    if current:
        messages.append(current)
    return messages


async def answer_stale(update: Update, t: Translator) -> None:
    """A button whose data we cannot read (old version, forged): say so, change nothing."""
    query = update.callback_query
    assert query is not None
    await query.answer(t._("This button is no longer valid. Please start again with /start."),
                       show_alert=True)


def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


def area_label(t: Translator, area: PlanArea, *, for_staff: bool) -> str:
    """A plan area as the special-category rule allows it (code GES/AUF or "area 5")."""
    return shown(t, area, AREA_LABELS[area], for_staff=for_staff) or "–"


def goal_line(t: Translator, goal: PlanGoal, *, for_staff: bool) -> str:
    line = f"{STATUS_ICONS[goal.status]} " + t._(
        "%(area)s: %(status)s", area=area_label(t, goal.area, for_staff=for_staff),
        status=t._(STATUS_LABELS[goal.status]))
    if goal.due_date:
        line += " · " + t._("by %(date)s", date=t.fmt_date(goal.due_date, with_weekday=False))
    note = shown_note(t, goal.area, goal.note, for_staff=for_staff)
    if note:
        line += "\n    " + t._("Note: %(note)s", note=user_text(note))
    return line

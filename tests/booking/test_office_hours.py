"""Office hours, blocks and absences: bad input gets a message naming the problem and stores
nothing; good input is saved, listed and removable by button."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking.staff_input import InputError, parse_date, parse_time_range, parse_weekday
from bot.booking_policy import BookingPolicy, PolicyError, parse_policy
from bot.config import Settings, load_settings
from bot.i18n import user_text
from models import Absence, OfficeHours, TimeBlock
from tests.conftest import ADMIN_ID
from tests.support.booking_support import add_hours, no_background_jobs
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness

de = tr("de")
TODAY = date(2026, 3, 2)

pytestmark = pytest.mark.usefixtures(no_background_jobs.__name__)


def _before(msgid: str, **params: str) -> str:
    """The translated text up to the first placeholder (for texts with long values)."""
    return de._(msgid, **{k: "\x00" for k in params}).split("\x00")[0]


async def _count(sessions: async_sessionmaker[AsyncSession], model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.parametrize(("command", "expected"), [
    ("mon 25:00-26:00 30", de._("“%(value)s” is not a valid time. Please write times from "
                                "00:00 to 23:59, e.g. 09:00-12:00.",
                                value=user_text("25:00-26:00"))),
    ("mon 12:00-09:00 30", de._("In “%(value)s” the end is not after the start. Please write "
                                "it like 09:00-12:00.", value=user_text("12:00-09:00"))),
    ("mon 09:00-09:00", de._("In “%(value)s” the end is not after the start. Please write it "
                             "like 09:00-12:00.", value=user_text("09:00-09:00"))),
    ("mon 09:00-12:00 0", de._("An appointment must last at least 1 minute.")),
    ("mon 09:00-09:30 45", de._("An appointment cannot be longer than the office hours (or "
                                "than 4 hours).")),
    ("funday 09:00-12:00", de._("“%(value)s” is not a weekday. Please write mon, tue, wed, "
                                "thu, fri, sat or sun.", value=user_text("funday"))),
    ("mon 9-12", de._("“%(value)s” is not a valid time. Please write times from 00:00 to "
                      "23:59, e.g. 09:00-12:00.", value=user_text("9-12"))),
    ("mon 09:00-12:00 thirty", de._("“%(value)s” is not a number of minutes. Please write e.g. "
                                    "30.", value=user_text("thirty"))),
    ("mon 09:00-12:00 30 from 2026-01-05", de._("The office hours cannot start on a day in "
                                                "the past.")),
    ("mon 09:00-12:00 30 from 31.02.2026", de._("“%(value)s” is not a valid date. Please "
                                                "write it like 2026-04-01 or 1.4.2026.",
                                                value=user_text("31.02.2026"))),
    ("mon 09:00-12:00 30 from 2026-04-01 until 2026-03-20",
     de._("The end date is before the start date.")),
])
async def test_bad_office_hours_are_named_and_nothing_is_stored(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], command: str, expected: str
) -> None:
    await add_caseworker(sessions, telegram_id=801)
    berger = harness.user(801, "Anna", "de")
    await berger.send(f"/officehours add cleebronn alte-schule {command}")
    assert berger.texts == expected
    assert await _count(sessions, OfficeHours) == 0


@pytest.mark.parametrize(("command", "expected"), [
    ("atlantis alte-schule mon 09:00-12:00", de._(
        "I do not know this town. Use the key shown in /officehours, e.g. cleebronn.")),
    ("cleebronn rathaus mon 09:00-12:00", de._(
        "I do not know this place in that town. The places are listed in /officehours.")),
    ("brackenheim rathaus mon 09:00-12:00", de._(
        "You may only set office hours for yourself and for your own towns.")),
    ("cleebronn alte-schule mon 09:00-12:00 30 for Aydin", de._(
        "You may only set office hours for yourself and for your own towns.")),
    ("cleebronn alte-schule mon 09:00-12:00 30 for Nobody", de._(
        "I do not know this integration manager.")),
])
async def test_unknown_places_and_people_are_refused(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], command: str, expected: str
) -> None:
    await add_caseworker(sessions, telegram_id=801)
    await add_caseworker(sessions, telegram_id=803, name="Herr Aydin")
    berger = harness.user(801, "Anna", "de")
    await berger.send(f"/officehours add {command}")
    assert berger.texts == expected
    assert await _count(sessions, OfficeHours) == 0


async def test_overlapping_hours_are_refused_whatever_the_place(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=801, towns=("cleebronn", "brackenheim"))
    berger = harness.user(801, "Anna", "de")
    await berger.send("/officehours add cleebronn alte-schule mon 09:00-12:00 30")
    assert berger.texts.startswith(_before("Office hours saved: %(hours)s", hours=""))
    await berger.send("/officehours add brackenheim rathaus mon 11:30-13:00 30")
    assert berger.texts.startswith(de._("These hours overlap with office hours you already "
                                        "have: %(hours)s", hours="#1"))
    # Touching is fine, and so is the same time once the first hours have ended.
    await berger.send("/officehours add brackenheim rathaus mon 12:00-13:00 30")
    await berger.send("/officehours add cleebronn alte-schule tue 09:00-12:00 30 until 31.3.2026")
    await berger.send("/officehours add brackenheim rathaus tue 09:00-12:00 20 from 1.4.2026")
    assert await _count(sessions, OfficeHours) == 4


async def test_office_hours_are_listed_and_removed_by_button(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=801)
    berger = harness.user(801, "Anna", "de")
    await berger.send("/officehours add cleebronn alte-schule mi 14:00-17:00 45 ab 4.3.2026")
    replies = await berger.send("/officehours")
    assert de.fmt_weekday(2) in replies[0].text and "🗑 #1" in replies[0].buttons
    await berger.press("🗑 #1")
    replies = await berger.press(de._("Yes, remove them"))
    assert replies[0].text.startswith(_before("Office hours removed: %(hours)s", hours=""))
    assert de._("No office hours yet.") in replies[0].text
    async with sessions() as session:
        hours = await session.scalar(select(OfficeHours))
        assert hours is not None and hours.removed_at is not None
        assert (hours.start_time, hours.slot_minutes) == (time(14), 45)
    await berger.press_data("oh:R:1")  # pressed again from an old message
    assert de._("These office hours do not exist any more.") in berger.texts


async def test_admin_sets_office_hours_for_a_colleague(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    admin = harness.user(ADMIN_ID, "Chefin", "de")
    await admin.send("/officehours add cleebronn alte-schule mon 09:00-12:00 for frau berger")
    assert "Frau Berger" in admin.texts
    async with sessions() as session:
        hours = await session.scalar(select(OfficeHours))
        assert hours is not None and hours.slot_minutes == 30


@pytest.mark.parametrize(("command", "expected"), [
    ("31.02.2026", de._("“%(value)s” is not a valid date. Please write it like 2026-04-01 or "
                        "1.4.2026.", value=user_text("31.02.2026"))),
    ("2026-02-01", de._("%(date)s is in the past. Please give a date from today on.",
                        date=de.fmt_date(date(2026, 2, 1)))),
    ("4.3.2026 25:00-26:00", de._("“%(value)s” is not a valid time. Please write times from "
                                  "00:00 to 23:59, e.g. 09:00-12:00.",
                                  value=user_text("25:00-26:00"))),
    ("4.3.2026 12:00-09:00", de._("In “%(value)s” the end is not after the start. Please "
                                  "write it like 09:00-12:00.", value=user_text("12:00-09:00"))),
    ("6.3.2026 4.3.2026", de._("The last day is before the first day.")),
])
async def test_bad_blocks_are_named_and_nothing_is_stored(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], command: str, expected: str
) -> None:
    await add_caseworker(sessions, telegram_id=801)
    berger = harness.user(801, "Anna", "de")
    await berger.send(f"/block {command}")
    assert berger.texts.startswith(expected)
    assert await _count(sessions, TimeBlock) == 0


async def test_a_block_hides_slots_and_can_be_removed(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    berger_id = await add_caseworker(sessions, telegram_id=801)
    await add_hours(sessions, caseworker_id=berger_id, weekday=2)
    berger = harness.user(801, "Anna", "de")
    await berger.send("/block 4.3.2026 09:00-10:30 Teamsitzung")
    assert "Teamsitzung" in berger.texts
    await add_client(sessions, telegram_id=5001, now=harness.app.bot_data.clock())
    olena = harness.user(5001)
    await olena.send("/book")
    await olena.press(tr("uk")._("Skip"))
    replies = await olena.press(tr("uk").fmt_date(date(2026, 3, 4)))
    assert replies[0].buttons[:3] == ["10:30", "11:00", "11:30"]
    await berger.send("/block")
    await berger.press("🗑")
    assert await _count(sessions, TimeBlock) == 0


@pytest.mark.parametrize(("command", "expected"), [
    ("1.2.2026 3.2.2026 aydin", de._("The absence cannot begin on a day in the past.")),
    ("10.3.2026 5.3.2026 aydin", de._("The last day is before the first day.")),
    ("3.3.2026 4.3.2027 aydin", de._("An absence can last at most one year.")),
    ("10.3.2026 12.3.2026 nobody", de._("I do not know a colleague called “%(name)s”.",
                                        name=user_text("nobody"))),
    ("10.3.2026 12.3.2026 berger", de._("I do not know a colleague called “%(name)s”.",
                                        name=user_text("berger"))),
    ("10.3.2026 xx aydin", de._("“%(value)s” is not a valid date. Please write it like "
                                "2026-04-01 or 1.4.2026.", value=user_text("xx"))),
])
async def test_bad_absences_are_named_and_nothing_is_stored(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], command: str, expected: str
) -> None:
    await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    await add_caseworker(sessions, telegram_id=803, name="Herr Aydin")
    berger = harness.user(801, "Anna", "de")
    await berger.send(f"/absent {command}")
    assert berger.texts.startswith(expected)
    assert await _count(sessions, Absence) == 0


async def test_absence_substitute_chosen_by_button_when_the_name_is_missing(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    await add_caseworker(sessions, telegram_id=803, name="Herr Aydin")
    berger = harness.user(801, "Anna", "de")
    await berger.send("/absent 10.3.2026 12.3.2026")
    await berger.press("Herr Aydin")
    assert berger.texts.startswith(de._(
        "Absence saved: %(first)s to %(last)s. Substitute: %(name)s. Your appointments are not "
        "offered during this time, and booking notifications go to %(name)s.",
        first=de.fmt_date(date(2026, 3, 10)), last=de.fmt_date(date(2026, 3, 12)),
        name=user_text("Herr Aydin")))
    await berger.send("/absent 11.3.2026 13.3.2026 aydin")
    assert berger.texts == de._(
        "You have already entered an absence from %(first)s to %(last)s. End it with /absent "
        "first.", first=de.fmt_date(date(2026, 3, 10)), last=de.fmt_date(date(2026, 3, 13)))
    assert await _count(sessions, Absence) == 1


def test_staff_input_parsers() -> None:
    assert parse_weekday("Mo") == 0 and parse_weekday("sonntag") == 6
    assert parse_weekday("xyz") is InputError.WEEKDAY
    assert parse_time_range("9:00–12:30") == (time(9), time(12, 30))
    assert parse_time_range("09:00") is InputError.RANGE
    assert parse_time_range("23:00-24:00") is InputError.TIME
    assert parse_date("1.4.", today=TODAY) == date(2026, 4, 1)
    assert parse_date("1.2.", today=TODAY) == date(2027, 2, 1)  # the next 1 February
    assert parse_date("heute", today=TODAY) == TODAY
    assert parse_date("tomorrow", today=TODAY) == TODAY + timedelta(days=1)
    assert parse_date("1.4.26", today=TODAY) == date(2026, 4, 1)
    assert parse_date("2026-13-01", today=TODAY) is InputError.DATE


def test_booking_policy_comes_from_the_toml_file_with_defaults(
    tmp_path: Path, settings: Settings
) -> None:
    assert settings.booking == BookingPolicy()
    toml = tmp_path / "lotse.toml"
    toml.write_text(settings.config_path.read_text(encoding="utf-8")
                    + "\n[booking]\nmax_future_bookings = 3\ncancel_cutoff_minutes = 90\n",
                    encoding="utf-8")
    policy = load_settings({"LOTSE_CONFIG": str(toml)}, require_token=False).booking
    assert policy.max_future_bookings == 3 and policy.cancel_cutoff == timedelta(minutes=90)
    assert policy.days_ahead == 14
    for bad in ({"max_future_bookings": 0}, {"cancel_cutoff_minutes": "2h"}, {"colour": 1}):
        with pytest.raises(PolicyError):
            parse_policy(bad)


async def test_long_lists_of_office_hours_and_blocks_fit_one_message(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """A county's admin sees everyone's office hours; a caseworker may block many days. The
    lists stop at what one message holds (4096 units, 100 buttons) and say how many more."""
    berger_id = await add_caseworker(sessions, telegram_id=801)
    for number in range(70):
        await add_hours(sessions, caseworker_id=berger_id, weekday=number % 5,
                        start=time(8 + number % 9), end=time(9 + number % 9))
    async with sessions() as session, session.begin():
        start = datetime(2026, 3, 10, 8, tzinfo=UTC)
        session.add_all(TimeBlock(caseworker_id=berger_id, start_at=start + timedelta(days=day),
                                  end_at=start + timedelta(days=day, hours=2), note="N" * 100)
                        for day in range(60))
    berger, de = harness.user(801, "Anna", "de"), tr("de")
    for command, total in (("/officehours", 70), ("/block", 60)):
        [reply] = await berger.send(command)
        shown = len(reply.buttons)
        assert 0 < shown < total
        assert de.ngettext("… and %(n)s more entry: too many for one message.",
                           "… and %(n)s more entries: too many for one message.",
                           total - shown) in reply.text
    [reply] = await harness.user(ADMIN_ID, "Petra", "de").send("/officehours")
    assert de.ngettext("… and %(n)s more entry: too many for one message.",
                       "… and %(n)s more entries: too many for one message.",
                       70 - len(reply.buttons)) in reply.text

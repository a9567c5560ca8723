"""Waste calendars: every real provider file, broken files, re-import and the CLI."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.reminders.waste_calendar import WasteCalendarError, parse_calendar, recognise
from bot.reminders.waste_import import import_collections
from models import OutboxMessage, WasteCollection, WasteZone
from tests.conftest import EXAMPLE_CONFIG
from tests.support.builders import municipality

CALENDARS = Path(__file__).parents[1] / "data/waste-calendars"
BERLIN = ZoneInfo("Europe/Berlin")
# file → (today for the import, horizon days, entries by bin kind, unknown types)
REAL = {
    "aichwald-abfallplus.ics": (date(2020, 1, 1), 550,
                                {"bio": 34, "restmuell": 26, "gelbe_tonne": 26, "papier": 13}, {}),
    "birkenfeld-enzkreis.ics": (date(2026, 8, 1), 550,
                                {"bio": 9, "restmuell": 9, "papier": 5, "gelbe_tonne": 5,
                                 "glas": 5}, {}),
    "geilenkirchen-bezirk-1.ics": (date(2026, 1, 1), 550,
                                   {"bio": 32, "restmuell": 26, "gelbe_tonne": 26, "papier": 14,
                                    "gruenschnitt": 3}, {}),
    # French SabreDAV export with endless RRULEs: 101 occurrences in 2020, none German.
    "recurring-rrule-sivom-fr.ics": (date(2020, 1, 1), 366, {"other": 101},
                                     {"Poubelle verte": 39, "Poubelle marron (matin)": 38,
                                      "Poubelle jaune": 20, "Encombrants": 4}),
}


def ics(*events: str, newline: str = "\r\n") -> str:
    body = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//DE"]
    for number, event in enumerate(events):
        body += ["BEGIN:VEVENT", f"UID:e{number}@test", *event.strip().splitlines(), "END:VEVENT"]
    return newline.join([*body, "END:VCALENDAR", ""])


def parse(text: str | bytes, today: date = date(2026, 3, 1)) -> list[tuple[date, str, str]]:
    raw = text.encode() if isinstance(text, str) else text
    return sorted(parse_calendar(raw, timezone=BERLIN, today=today).collections)


def test_every_real_calendar_is_tested() -> None:
    assert {p.name for p in CALENDARS.glob("*.ics")} == set(REAL)


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_calendar_imports_every_date(name: str) -> None:
    today, horizon, kinds, unknown = REAL[name]
    parsed = parse_calendar((CALENDARS / name).read_bytes(), timezone=BERLIN, today=today,
                            horizon_days=horizon)
    assert Counter(kind for _, kind, _ in parsed.collections) == kinds
    assert parsed.unknown == unknown


def test_real_calendars_give_the_right_days_and_bins() -> None:
    birkenfeld = parse((CALENDARS / "birkenfeld-enzkreis.ics").read_bytes(), date(2026, 8, 1))
    # "Bio- / Restmüll" is one event for two bins.
    assert [(k, n) for d, k, n in birkenfeld if d == date(2026, 9, 1)] == [
        ("bio", "Biotonne"), ("restmuell", "Restmüll")]
    geilenkirchen = parse((CALENDARS / "geilenkirchen-bezirk-1.ics").read_bytes(),
                          date(2026, 1, 1))
    assert geilenkirchen[0] == (date(2026, 1, 6), "restmuell", "Restmüll")
    assert (date(2026, 1, 8), "gelbe_tonne", "Gelbe Tonne") in geilenkirchen  # 05:00 floating
    aichwald = parse((CALENDARS / "aichwald-abfallplus.ics").read_bytes(), date(2020, 1, 1))
    assert [k for d, k, _ in aichwald if d == date(2020, 1, 4)] == ["bio", "gelbe_tonne"]


@pytest.mark.parametrize("summary, expected", [
    ("Restmüll 2-wöchentlich", ["restmuell"]),
    ("Bio- / Restmüll", ["restmuell", "bio"]),
    ("Altpapier (blaue Tonne)", ["papier"]),
    ("Gelber Sack", ["gelber_sack"]),
    ("Gelbe/r Sack/Tonne", ["gelbe_tonne"]),
    ("Wertstofftonne", ["gelbe_tonne"]),
    ("Leichtverpackungen (Gelbe Tonne)", ["gelbe_tonne"]),
    ("Schadstoffmobil", ["problemstoffe"]),
    ("Problemstoffsammlung", ["problemstoffe"]),
    ("Christbaumabfuhr", ["christbaum"]),
    ("Grünschnittabfuhr", ["gruenschnitt"]),
    ("Sperrmüll auf Abruf", ["sperrmuell"]),
    ("Glas", ["glas"]),
    ("Wertstoffhof geöffnet", ["other"]),
])
def test_waste_types_are_recognised_from_the_german_summary(summary: str,
                                                             expected: list[str]) -> None:
    assert [kind for kind, _ in recognise(summary)] == expected


def test_latin1_crlf_lf_mixes_and_old_mac_line_endings_import_correctly() -> None:
    event = "DTSTART;VALUE=DATE:20260310\nSUMMARY:Restmüll"
    expected = [(date(2026, 3, 10), "restmuell", "Restmüll")]
    latin1 = parse_calendar(ics(event).encode("latin-1"), timezone=BERLIN,
                            today=date(2026, 3, 1))
    assert sorted(latin1.collections) == expected
    assert any("not UTF-8" in note for note in latin1.notes)
    mixed = ics(event, "DTSTART;VALUE=DATE:20260311\nSUMMARY:Papier").replace(
        "SUMMARY:Papier\r\n", "SUMMARY:Papier\n")
    assert parse(mixed)[0] == expected[0] and len(parse(mixed)) == 2
    assert parse(ics(event, newline="\r")) == expected
    assert parse(ics(event, newline="\n")) == expected
    assert parse("\ufeff" + ics(event)) == expected  # byte order mark
    doubled = ics(event).encode().decode("latin-1").encode()  # UTF-8 encoded twice
    assert parse(doubled) == expected
    utf16 = parse_calendar(ics(event).encode("utf-16"), timezone=BERLIN, today=date(2026, 3, 1))
    assert sorted(utf16.collections) == expected and "read as UTF-16" in utf16.notes


def test_valarm_is_ignored_and_times_are_read_in_local_time() -> None:
    alarm = ("DTSTART;VALUE=DATE:20260310\nSUMMARY:Biotonne\nBEGIN:VALARM\nACTION:DISPLAY\n"
             "DESCRIPTION:Biotonne rausstellen\nTRIGGER:-PT12H\nEND:VALARM")
    assert parse(ics(alarm)) == [(date(2026, 3, 10), "bio", "Biotonne")]
    # 23:30 UTC on 9 March is 00:30 on 10 March in Berlin; summer time the same.
    assert parse(ics("DTSTART:20260309T233000Z\nSUMMARY:Papier"))[0][0] == date(2026, 3, 10)
    assert parse(ics("DTSTART:20260630T223000Z\nSUMMARY:Papier"))[0][0] == date(2026, 7, 1)
    tz = "DTSTART;TZID=Europe/Berlin:20260310T060000\nSUMMARY:Papier"
    assert parse(ics(tz))[0][0] == date(2026, 3, 10)


def test_rrule_with_exdate_and_cancelled_events() -> None:
    weekly = ("DTSTART;VALUE=DATE:20260302\nRRULE:FREQ=WEEKLY;COUNT=4\n"
              "EXDATE;VALUE=DATE:20260316\nSUMMARY:Restmüll")
    cancelled = "DTSTART;VALUE=DATE:20260304\nSUMMARY:Papier\nSTATUS:CANCELLED"
    assert [d for d, _, _ in parse(ics(weekly, cancelled))] == [
        date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 23)]
    endless = "DTSTART;VALUE=DATE:20260302\nRRULE:FREQ=WEEKLY\nSUMMARY:Restmüll"
    assert len(parse(ics(endless))) == 79  # bounded horizon: 550 days


@pytest.mark.parametrize("text, message", [
    (b"", "the file is empty"),
    (b"<html><body>404 Not Found</body></html>", "not an iCalendar file"),
    (ics("DTSTART;VALUE=DATE:20260310\nSUMMARY:Rest\nmüll"), "line 8: 'müll' is no iCalendar"),
    (ics("DTSTART;VALUE=DATE:20260310\nSUMMARY:Papier").replace("END:VCALENDAR\r\n", ""),
     "the file ends inside BEGIN:VCALENDAR of line 1"),
    (ics("DTSTART;VALUE=DATE:20260310\nSUMMARY:Papier").replace("END:VEVENT\r\n", ""),
     "END:VCALENDAR does not close BEGIN:VEVENT of line 4"),
    (ics("DTSTART;VALUE=DATE:20261310\nSUMMARY:Papier"), "line 6: DTSTART is invalid"),
    (ics("SUMMARY:Papier"), "event 'Papier' of line 4 has no DTSTART"),
    (ics("DTSTART;VALUE=DATE:20260310"), "has no SUMMARY"),
    (ics("DTSTART;TZID=Mars/Olympus:20260310T060000\nSUMMARY:Papier"),
     "unknown time zone 'Mars/Olympus'"),
    (ics("DTSTART;VALUE=DATE:20260310\nRRULE:FREQ=WEEKLI\nSUMMARY:Papier"), "RRULE is invalid"),
    (ics("DTSTART;VALUE=DATE:20200310\nSUMMARY:Papier"), "is it an old calendar?"),
    (ics("DTSTART;VALUE=DATE:20260310\nSUMMARY:Papier") * 2, "a second calendar begins"),
    (ics(), "contains no events"),
])
def test_broken_files_are_rejected_with_what_is_wrong(text: str | bytes, message: str) -> None:
    raw = text.encode() if isinstance(text, str) else text
    try:
        parsed = parse_calendar(raw, timezone=BERLIN, today=date(2026, 3, 1))
    except WasteCalendarError as exc:
        assert message in str(exc) and "\n" not in str(exc)
    else:
        pytest.fail(f"accepted: {parsed}")


async def test_re_import_is_idempotent_and_removes_removed_dates(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    raw = (CALENDARS / "birkenfeld-enzkreis.ics").read_bytes()
    now = datetime(2026, 8, 1, 10, tzinfo=UTC)
    first = parse_calendar(raw, timezone=BERLIN, today=now.date())
    # The provider drops 1 September and moves the paper collection of 27 August.
    text = raw.decode().replace("DTSTART;VALUE=DATE:20260827", "DTSTART;VALUE=DATE:20260826")
    text = "BEGIN:VEVENT".join(block for block in text.split("BEGIN:VEVENT")
                               if "DTSTART;VALUE=DATE:20260901" not in block)
    second = parse_calendar(text.encode(), timezone=BERLIN, today=now.date())
    async with sessions() as session, session.begin():
        town = await municipality(session, "cleebronn")
        _, report = await import_collections(session, municipality=town, zone_name="Nord",
                                             parsed=first, source="a.ics", now=now)
        assert (report.added, report.removed, len(report.days)) == (33, 0, 24)
        _, again = await import_collections(session, municipality=town, zone_name="Nord",
                                            parsed=first, source="a.ics", now=now)
        assert (again.added, again.removed) == (0, 0)
        zone, changed = await import_collections(session, municipality=town, zone_name="Nord",
                                                  parsed=second, source="b.ics", now=now)
        assert (changed.added, changed.removed) == (1, 3)
        days = {d for d in await session.scalars(
            select(WasteCollection.day).where(WasteCollection.zone_id == zone.id))}
        assert date(2026, 9, 1) not in days and date(2026, 8, 27) not in days
        assert date(2026, 8, 26) in days
        assert await session.scalar(select(func.count(WasteZone.id))) == 1
        assert await session.scalar(select(func.count(WasteCollection.id))) == 31


def _cli_calendar(tmp_path: Path) -> Path:
    """Dates from tomorrow on, so that the CLI (which uses the real clock) keeps them."""
    start = datetime.now(BERLIN).date() + timedelta(days=1)  # the CLI's today is Berlin's
    path = tmp_path / "cleebronn-nord.ics"
    path.write_text(ics(
        f"DTSTART;VALUE=DATE:{start:%Y%m%d}\nRRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=10\n"
        "SUMMARY:Restmüll",
        f"DTSTART;VALUE=DATE:{start + timedelta(days=3):%Y%m%d}\nSUMMARY:Bio- / Restmüll",
        f"DTSTART;VALUE=DATE:{start + timedelta(days=4):%Y%m%d}\nSUMMARY:Kompostplatz",
    ), encoding="utf-8")
    return path


async def test_cli_imports_a_calendar_and_reports_unknown_types(
    sessions: async_sessionmaker[AsyncSession], database_url: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    path = _cli_calendar(tmp_path)
    args = ["import-waste", str(path), "--municipality", "cleebronn", "--zone", "Nord"]
    assert await asyncio.to_thread(main, args) == 0
    out = capsys.readouterr().out
    assert "zone 'Nord' of Gemeinde Cleebronn: 12 collection days" in out
    assert "bins: " in out and "Restmüll 11" in out and "Biotonne 1" in out
    assert "unknown types, kept under their German name: 'Kompostplatz' (1 dates)" in out
    assert await asyncio.to_thread(main, args) == 0  # again: nothing changes
    assert "(added 0 entries, removed 0)" in capsys.readouterr().out
    async with sessions() as session:
        assert await session.scalar(select(func.count(WasteCollection.id))) == 13
        assert await session.scalar(select(func.count(OutboxMessage.id))) == 0  # nobody chose


@pytest.mark.parametrize("args, message", [
    (["--municipality", "atlantis", "--zone", "Nord"], "unknown municipality 'atlantis'"),
    (["--municipality", "cleebronn", "--zone", " "], "--zone must be 1 to 60 characters"),
])
async def test_cli_refuses_bad_arguments_in_one_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], args: list[str], message: str,
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    path = _cli_calendar(tmp_path)
    assert await asyncio.to_thread(main, ["import-waste", str(path), *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


async def test_cli_rejects_a_broken_file_and_a_missing_one(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    broken = tmp_path / "broken.ics"
    broken.write_bytes(ics("DTSTART;VALUE=DATE:20261310\nSUMMARY:Papier").encode())
    for path, message in [(broken, "broken.ics: line 6: DTSTART is invalid"),
                          (tmp_path / "none.ics", "cannot read")]:
        code = await asyncio.to_thread(main, ["import-waste", str(path), "--municipality",
                                              "cleebronn", "--zone", "Nord"])
        err = capsys.readouterr().err
        assert code == 2 and message in err and err.count("\n") == 1, err

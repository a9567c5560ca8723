"""The special-category rule (issue 11, item 1): every message kind that can carry a plan goal,
a booking topic, an appointment kind or a note is rendered in every language, for the client
and for staff, and no special-category word of that language appears in it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.booking import booking_notices  # noqa: F401  (registers the booking renderers)
from bot.booking.booking_texts import TOPIC_LABELS, appointment_details, staff_topic
from bot.casework.cases import CardAppointment, CaseCard
from bot.casework.plans import AREA_LABELS
from bot.i18n import LANGUAGES, Translator
from bot.outbox.queue import RENDERERS
from bot.quarters import Quarter
from bot.reminders import appointments as ext
from bot.special_categories import CODES, shown, shown_note
from handlers.casework.case_card import card_text
from handlers.casework.casework_ui import goal_line
from models import AppointmentKind, ClientStatus, GoalStatus, PlanArea, PlanGoal, Topic

TZ = ZoneInfo("Europe/Berlin")
NOTE = "Depression: Psychotherapie beantragen, Termin Klinik Weinsberg"
SPECIAL_LABELS = [AREA_LABELS[PlanArea.HEALTH], AREA_LABELS[PlanArea.RESIDENCE],
                  TOPIC_LABELS[Topic.HEALTH], TOPIC_LABELS[Topic.RESIDENCE],
                  ext.KIND_LABELS[AppointmentKind.DOCTOR],
                  ext.KIND_LABELS[AppointmentKind.AUSLAENDERBEHOERDE]]
GERMAN = ["Gesundheit", "Aufenthalt", "Ausländerbehörde", "Arzt", "Depression",
          "Psychotherapie", "Klinik"]


def special_words(t: Translator) -> list[str]:
    """The special-category words of one language, from its catalog, and the German ones."""
    return [t._(label) for label in SPECIAL_LABELS] + GERMAN + [NOTE]


def assert_clean(t: Translator, text: str) -> None:
    for word in special_words(t):
        assert word.casefold() not in text.casefold(), (t.language, word, text)


def goals() -> list[PlanGoal]:
    """One goal per area; the special ones carry a health note, the others a plain one."""
    return [PlanGoal(id=i + 1, client_id=1, area=area, status=GoalStatus.OPEN,
                     note=NOTE if area in CODES else "Bewerbung schreiben",
                     due_date=date(2027, 3, 1)) for i, area in enumerate(PlanArea)]


START = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def external_params(kind: AppointmentKind) -> dict[str, object]:
    return {"starts_at": START.isoformat(), "kind": kind.value, "description": None,
            "place": "Landratsamt Heilbronn", "address": "Lerchenstraße 40, 74072 Heilbronn"}


def booking_params(topic: Topic) -> dict[str, object]:
    return {"booking_id": 7, "start": START.isoformat(),
            "end": (START + timedelta(minutes=30)).isoformat(), "place": "Rathaus",
            "address": "Marktplatz 1", "caseworker": "Frau Maier", "client_name": "Olena",
            "reference": "C-0001", "language": "uk", "topic": topic.value, "when": "eve"}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_no_special_category_word_in_any_message(language: str) -> None:
    t = Translator(language, TZ)
    texts: list[str] = []
    # client /plan and the staff plan view: every area, each with a health note
    for goal in goals():
        texts.append(goal_line(t, goal, for_staff=False))
        texts.append(goal_line(t, goal, for_staff=True))
    # the case card with every goal and both special appointment kinds
    card = CaseCard(
        client_id=1, reference="C-0001", name="Olena", language="uk",
        status=ClientStatus.ACTIVE, municipality="Brackenheim", caseworker="Frau Maier",
        care_start=date(2026, 1, 1), care_limit_months=None, care_until=None, extended=False,
        beyond_limit=False, quarter=Quarter.of(date(2027, 1, 5)), minutes_quarter=30,
        minutes_total=90, last_contact=date(2027, 1, 4), goals=tuple(goals()),
        appointments=tuple(CardAppointment(starts_at=START, place="Landratsamt", kind=k.value)
                           for k in AppointmentKind if k is not AppointmentKind.OTHER))
    texts.append(card_text(t, card))
    # booking topics: client details, staff lines and every staff notification
    for topic in Topic:
        texts.append(appointment_details(t, start=START, end=START + timedelta(minutes=30),
                                         place="Rathaus", address="Marktplatz 1",
                                         caseworker="Frau Maier", topic=topic))
        texts.append(staff_topic(t, topic))
        for kind in ("booking.reminder", "booking.staff_new", "booking.staff_moved",
                     "booking.staff_cancelled"):
            texts.append(RENDERERS[kind](t, booking_params(topic)).text)
    # external appointments: confirmation and reminders for the client, staff confirmation
    for kind in AppointmentKind:
        params = external_params(kind)
        texts.append(ext.render_new(t, params).text)
        texts.append(ext.render_reminder(t, {**params, "moment": "evening"}).text)
        texts.append(ext.render_reminder(t, {**params, "moment": "before"}).text)
        texts.append("\n".join(ext.details(t, params, for_staff=True)))
    for text in texts:
        assert_clean(t, text)


def test_the_rule_codes_for_staff_neutral_for_clients() -> None:
    t = Translator("de", TZ)
    assert shown(t, PlanArea.HEALTH, AREA_LABELS[PlanArea.HEALTH], for_staff=True) == "GES"
    assert shown(t, PlanArea.RESIDENCE, AREA_LABELS[PlanArea.RESIDENCE], for_staff=True) \
        == "AUF"
    assert shown(t, PlanArea.HEALTH, AREA_LABELS[PlanArea.HEALTH], for_staff=False) \
        == "Bereich 5"
    assert shown(t, AppointmentKind.AUSLAENDERBEHOERDE, "x", for_staff=False) is None
    assert shown(t, PlanArea.WORK, AREA_LABELS[PlanArea.WORK], for_staff=False) == "Arbeit"
    assert shown_note(t, PlanArea.HEALTH, NOTE, for_staff=True) == "Notiz liegt im Büro vor"
    assert shown_note(t, PlanArea.WORK, "Bewerbung", for_staff=False) == "Bewerbung"
    assert shown_note(t, PlanArea.WORK, "Bewerbung", for_staff=True) == "Bewerbung"
    assert set(CODES.values()) == {"GES", "AUF"}

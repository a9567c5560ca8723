"""Texts about appointments shared by handlers, notifications and the calendar file.

Names and addresses stay in German, as on the signs. Health and residence-status topics are
never named in a message (DESIGN "Privacy and safety"): staff see a short code instead.
"""

from __future__ import annotations

from datetime import datetime

from bot.i18n import N_, Translator, user_text
from bot.special_categories import shown
from models import Topic

# In the order the client sees them.
TOPIC_LABELS: dict[Topic, str] = {
    Topic.DOCUMENTS: N_("Documents and letters"),
    Topic.WORK: N_("Jobcenter and work"),
    Topic.HOUSING: N_("Housing"),
    Topic.SCHOOL: N_("School and Kita"),
    Topic.HEALTH: N_("Health"),
    Topic.RESIDENCE: N_("Residence status"),
    Topic.OTHER: N_("Something else"),
}
TOPICS = list(TOPIC_LABELS)


def topic_label(t: Translator, topic: Topic) -> str:
    return t._(TOPIC_LABELS[topic])


def staff_topic(t: Translator, topic: Topic | None) -> str:
    """The topic as staff see it in Telegram: special categories only as a code."""
    if topic is None:
        return t._("no topic given")
    return shown(t, topic, TOPIC_LABELS[topic], for_staff=True) or "–"


def place_line(place: str, address: str) -> str:
    """'Rathaus Brackenheim, Marktplatz 1, …' without repeating a name the address starts
    with (German data, not a translated sentence)."""
    return address if address.startswith(place) else f"{place}, {address}"


def time_range(t: Translator, start: datetime, end: datetime) -> str:
    return t._("%(start)s–%(end)s", start=t.fmt_time(start), end=t.fmt_time(end))


def appointment_details(
    t: Translator, *, start: datetime, end: datetime, place: str, address: str,
    caseworker: str, topic: Topic | None = None,
) -> str:
    """Date, time, place and integration manager, one per line; the topic only for the client
    who chose it and only if it is not a special category."""
    lines = [
        t._("📅 Date: %(date)s", date=t.fmt_date(start)),
        t._("🕘 Time: %(time)s", time=time_range(t, start, end)),
        t._("📍 Place: %(place)s", place=user_text(place_line(place, address))),
        t._("👤 Integration manager: %(name)s", name=user_text(caseworker)),
    ]
    label = shown(t, topic, TOPIC_LABELS[topic], for_staff=False) if topic else None
    if label is not None:
        lines.append(t._("💬 Topic: %(topic)s", topic=label))
    return "\n".join(lines)


def short_when(t: Translator, start: datetime) -> str:
    """Weekday, date and time for buttons and lists."""
    return t._("%(date)s, %(time)s", date=t.fmt_date(start), time=t.fmt_time(start))

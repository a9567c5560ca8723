"""The appointment as an iCalendar (.ics) file, so that it lands in the phone's calendar.

Title and address are German, as on the sign at the door; the description is in the client's
language. Times are UTC, which every calendar app converts to the phone's time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.booking.booking_info import BookingInfo
from bot.booking.booking_texts import place_line
from bot.i18n import Translator

PRODID = "-//Lotse//Integrationsmanagement//DE"


def calendar_title(german: Translator, info: BookingInfo) -> str:
    return german._("Appointment with the integration management – %(place)s",
                    place=info.location_name)


def appointment_ics(info: BookingInfo, *, t: Translator, german: Translator,
                    now: datetime) -> bytes:
    """One VEVENT with a reminder alarm an hour before; the UID stays the booking's."""
    from icalendar import Alarm, Calendar, Event  # only when a booking is confirmed

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"booking-{info.id}@lotse")
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", info.start.astimezone(UTC))
    event.add("dtend", info.end.astimezone(UTC))
    event.add("summary", calendar_title(german, info))
    event.add("location", place_line(info.location_name, info.address))
    event.add("description", "\n".join([
        t._("Your appointment with the integration management."),
        t._("Integration manager: %(name)s", name=info.caseworker_name),
        t._("Please bring your letters and documents."),
        t._("To cancel or change it, send /appointments to Lotse."),
    ]))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", calendar_title(german, info))
    alarm.add("trigger", -timedelta(hours=1))
    event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def ics_filename(info: BookingInfo, german: Translator) -> str:
    """E.g. termin-2026-03-09.ics (no personal data in the name)."""
    return f"termin-{info.start.astimezone(german.timezone).date().isoformat()}.ics"

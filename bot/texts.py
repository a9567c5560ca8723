"""Texts shown in several places (menus, help, public info), rendered for one translator."""

from __future__ import annotations

from collections.abc import Iterable

from bot.commands import CommandSpec
from bot.config import MunicipalityConfig
from bot.i18n import LRM, RLM, Translator, user_text


def emergency_numbers(t: Translator, heading: str | None = None) -> str:
    """The emergency numbers with their hours under ``heading`` (by default "Emergency
    numbers"), one text per number so that every place says the same."""
    return "\n".join([
        heading or t._("Emergency numbers (free of charge):"),
        emergency_police(t),
        emergency_ambulance(t),
        emergency_women_helpline(t),
        emergency_children_helpline(t),
    ])


def emergency_police(t: Translator) -> str:
    return t._("🚓 Police: 110 – day and night")


def emergency_ambulance(t: Translator) -> str:
    return t._("🚑 Fire brigade and ambulance: 112 – day and night")


def emergency_women_helpline(t: Translator) -> str:
    return t._("📞 Violence against women helpline (Hilfetelefon Gewalt gegen Frauen): "
               "116 016 – day and night, anonymous, in many languages")


def emergency_children_helpline(t: Translator) -> str:
    return t._("📞 Helpline for children and young people (Nummer gegen Kummer): 116 111 – "
               "Monday to Saturday 14:00–20:00, on Monday, Wednesday and Thursday also "
               "10:00–12:00")


def about_integration_management(t: Translator) -> str:
    return t._(
        "Integration management (Integrationsmanagement) is a free service of your town for "
        "refugees in follow-up housing (Anschlussunterbringung). Your integration manager "
        "advises you in person, helps with letters and applications, refers you to the "
        "Jobcenter, the Ausländerbehörde, schools, Kitas, doctors and counselling services, "
        "and makes an integration plan with you. The advice is confidential."
    )


def office_hours(t: Translator, municipalities: Iterable[MunicipalityConfig]) -> str:
    """Office hours and places of every municipality, weekdays and times in the reader's
    locale; names and addresses stay in German, as on the signs."""
    lines = [t._("Office hours and places:")]
    for municipality in municipalities:
        lines.append("")
        lines.append(t.embed(municipality.name))
        for location in municipality.locations:
            lines.append(t._("📍 %(place)s, %(address)s", place=user_text(location.name),
                             address=user_text(location.address)))
            for hours in location.hours:
                lines.append(
                    t._(
                        "%(weekday)s, %(start)s–%(end)s",
                        weekday=t.fmt_weekday(hours.weekday),
                        start=t.fmt_time(hours.start),
                        end=t.fmt_time(hours.end),
                    )
                )
        if municipality.phone:
            lines.append(t._("☎️ Phone: %(phone)s", phone=municipality.phone))
    return "\n".join(lines)


def command_list(t: Translator, commands: Iterable[CommandSpec]) -> str:
    # The command stays outside any isolate, so that Telegram still makes it a link. In
    # right-to-left text the line starts with a right-to-left mark (laid out right to left)
    # and the slash follows a left-to-right mark (shown as "/help", not "help/").
    lead = RLM + LRM if t.rtl else ""
    return "\n".join(f"{lead}/{spec.name} – {t._(spec.description)}" for spec in commands)

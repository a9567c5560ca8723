"""A polite refusal from a casework service: a msgid and its parameters, translated by the
handler for whoever is asking. Nothing was changed when one is raised.

A refusal that must be audited (someone asked for a case that is not theirs) carries its
audit entry: the caller's unit of work rolls back, so the handler writes it in a new one.
"""

from __future__ import annotations

from typing import Any, Self


class Refused(Exception):
    """Bad input or a forbidden change; ``message`` is a msgid marked with ``N_``."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params
        self.audit: dict[str, Any] | None = None

    def audited(self, action: str, target: str | None = None, detail: str | None = None
                ) -> Self:
        """Ask the handler to record this refusal in the audit log."""
        self.audit = {"action": action, "target": target, "detail": detail}
        return self


class TooLong(Refused):
    """A typed text over its limit; ``length`` is how many UTF-16 units Telegram counts."""

    def __init__(self, message: str, *, length: int, **params: object) -> None:
        super().__init__(message, **params)
        self.length = length


class QuarterClosed(Refused):
    """The change falls into a closed quarter; it can be booked as a correction instead."""

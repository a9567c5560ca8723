"""Logging: one line per event, no token and no message content in the logs."""

from __future__ import annotations

import logging
import re

_TOKEN = re.compile(r"bot\d+:[A-Za-z0-9_-]+")


class OneLineFormatter(logging.Formatter):
    """Folds tracebacks into the event's line and masks bot tokens wherever they appear."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return _TOKEN.sub("bot<token>", text).replace("\n", " | ")


def setup_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, and those contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)

"""Lotse: Telegram bot between refugees and the integration managers who support them."""

__version__ = "0.1.0"

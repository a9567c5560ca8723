"""Shared test support: data builders, the Telegram user harness, the fake Bot API."""

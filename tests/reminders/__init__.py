"""Tests of the reminders feature (tests mirror the source layout)."""

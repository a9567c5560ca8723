"""Tests of the outbox feature (tests mirror the source layout)."""

"""Tests of the booking feature (tests mirror the source layout)."""

"""Tests of the billing feature (tests mirror the source layout)."""

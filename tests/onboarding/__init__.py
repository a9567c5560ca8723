"""Tests of the onboarding feature (tests mirror the source layout)."""

"""Tests of the casework feature (tests mirror the source layout)."""

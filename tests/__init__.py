"""Lotse's tests: features in their packages, shared modules at the top, support/ beside."""

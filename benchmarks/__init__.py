"""Benchmarks: run each script with ``.venv/bin/python -m benchmarks.<name>``."""

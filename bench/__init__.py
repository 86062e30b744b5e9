"""Benchmarks (not tests): each module prints a table; `python -m bench` runs the core set."""

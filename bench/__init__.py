"""Benchmarks that measure what users feel, against references run side by side in one process.
Run: python -m bench [--quick] [--only NAME ...]. Prints a table and writes JSON."""

"""Benchmarks that print figures (`make bench`); performance is never asserted by timing in tests."""

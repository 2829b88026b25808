"""Benchmarks, apart from the tests: speed and memory targets are measured here, never asserted in tests."""

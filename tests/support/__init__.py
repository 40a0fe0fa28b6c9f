"""Helpers shared by tests, benchmarks and the demo."""

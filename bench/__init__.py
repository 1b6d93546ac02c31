"""Benchmarks, the demo and test helpers. May import every package; no product package imports it."""

"""Counters: call next, pause, resume."""

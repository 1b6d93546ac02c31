"""Tickets: numbering, the calling rule, states, estimates and their routes."""

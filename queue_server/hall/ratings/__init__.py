"""Citizen ratings of a finished service."""

"""Screens both kiosks show."""

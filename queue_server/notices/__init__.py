"""Notices to citizens: one outbox, several channels."""

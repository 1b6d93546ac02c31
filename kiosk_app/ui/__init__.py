"""Kivy screens of the kiosk. Nothing here decides anything: see kiosk_app.ticket.controller."""

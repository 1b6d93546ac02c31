"""The result kiosk without Kivy: pickup and deposit flow, the locker bank, its words."""

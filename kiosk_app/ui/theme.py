"""Colours and sizes. Every text/background pair here has a contrast of at least 7:1
(checked on the real widgets by tests/kiosk)."""

WHITE = (1, 1, 1, 1)
INK = (0.067, 0.067, 0.067, 1)            # #111111 on white: 18.9:1
SURFACE = (0.933, 0.949, 0.969, 1)        # #EEF2F7 panels
PRIMARY = (0.043, 0.239, 0.569, 1)        # #0B3D91 "take a number", ticket number
PRIORITY = (0.078, 0.325, 0.176, 1)       # #14532D priority lane
SECONDARY = (0.29, 0.114, 0.42, 1)        # #4A1D6B lookups
NEUTRAL = (0.2, 0.2, 0.2, 1)              # #333333 back, home, language
CLOSED = (0.333, 0.333, 0.333, 1)         # #555555 a service not issuing now
WARN = (0.545, 0, 0, 1)                   # #8B0000 faults, "not recognised"
INFO = PRIMARY

BODY = 28          # px; the minimum anywhere is 24
SMALL = 24
HEADING = 40
TICKET_NUMBER = 168
LARGE_SCALE = 1.35  # large-text mode

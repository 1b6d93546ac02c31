"""Role names, in a module light enough for the CLI parser to import."""

STAFF_ROLES = ("officer", "supervisor", "admin")   # each passes the requirements of the ones before it
DEVICE_ROLES = ("kiosk", "display", "rating", "locker", "integration")  # integration: the province system

"""The ticket kiosk's screens (one .kv + one .py each)."""

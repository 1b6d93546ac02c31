"""The result kiosk's screens (one .kv + one .py each)."""

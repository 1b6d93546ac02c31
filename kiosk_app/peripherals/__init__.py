"""The kiosk's devices: printer and scanner through drivers/, speech."""

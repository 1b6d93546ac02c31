"""Device simulators behind real virtual serial ports (pty) and TCP."""

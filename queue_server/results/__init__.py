"""Results handed back: dossiers, lockers, postal return, the one-stop system's sync."""

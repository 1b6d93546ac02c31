"""A simulated province one-stop information system (iGate-like): pull feed, result reports, faults."""

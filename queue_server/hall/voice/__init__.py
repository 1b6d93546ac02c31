"""Hall voice calls: what is said, the WAV that says it, and its route."""

"""Is the database sound: the file check at start, and `motcua check`'s invariants."""

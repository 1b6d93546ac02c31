"""motcua queue server: the single source of truth of a center."""

"""`motcua demo`: the whole center on sample data."""

"""Who is asking: staff accounts and sessions, device keys, roles, route guards, rate limits."""

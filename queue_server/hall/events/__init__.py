"""Live events: the in-process bus and the WebSocket stream that carries it."""

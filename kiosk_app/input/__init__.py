"""What a citizen types: the keypads, Vietnamese text entry."""

"""Position-keeping parsers: every value remembers where it came from."""

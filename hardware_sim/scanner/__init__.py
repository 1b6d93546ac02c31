"""A simulated serial-mode scanner and the payloads it reads (docs/protocols/scanner.md)."""

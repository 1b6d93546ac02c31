"""ESC/POS ticket printer: slips, Vietnamese text, status, profiles (docs/protocols/ticket-printer.md)."""

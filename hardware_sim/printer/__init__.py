"""A simulated ESC/POS thermal printer: parser, paper, code pages (docs/protocols/ticket-printer.md)."""

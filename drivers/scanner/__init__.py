"""QR/barcode scanner in serial mode: framing and what a code is (docs/protocols/scanner.md)."""

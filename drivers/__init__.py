"""Device drivers: ESC/POS ticket printer, QR/barcode scanner, locker lock-control board."""

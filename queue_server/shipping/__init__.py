"""Shipping a site's append-only logs to the province store (see tables.py, shipper.py)."""

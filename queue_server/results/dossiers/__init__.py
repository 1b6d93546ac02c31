"""Dossiers (hồ sơ): codes, masked applicants, status codes 1–10."""

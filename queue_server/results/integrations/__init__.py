"""Dossiers from the province's one-stop information system: push in, pull in, import, results back."""

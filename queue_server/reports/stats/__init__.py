"""Statistics: queue figures per service, counter, officer, priority group, channel, hour
and day; Decision 766/QĐ-TTg indicators; CSV/XLSX exports and the monthly report;
the supervisor's `/stats` page.

The figures are read from per-ticket facts derived from the append-only event log
(`facts.py`, kept up to date incrementally) and their daily/weekly roll-ups
(`rollup.py`); the queries (`queries.py`, `indicators.py`) are plain SQL over a DB-API
connection, so the province runs the same code over PostgreSQL (queue_server/province/
stats.py), where the 766 on-time figures also read per-dossier facts (`dossier_facts.py`).
"""

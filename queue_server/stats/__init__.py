"""Statistics: queue figures per service, counter, officer, priority group, channel, hour
and day; Decision 766/QĐ-TTg indicators; CSV/XLSX exports and the monthly report;
the supervisor's `/stats` page.

The figures are read from per-ticket facts derived from the append-only event log
(`facts.py`, kept up to date incrementally); the queries (`queries.py`,
`indicators.py`) are plain SQL over a DB-API connection so they can run on another
store (PostgreSQL) later.
"""

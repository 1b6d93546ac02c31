"""Per-dossier facts for the Decision 766 figures: a dossier's status changes replayed once.

One row per dossier with a counted status change (indicators.Replay over all its events):
completed_ts (the first done/returned), completed_midnight (local midnight of that day: late
"by day" ⟺ due + pauses < it), supplements and paused_s before completion, paused_since
(still waiting for a supplement) and last_ts (the latest counted event). A period ending
after last_ts sees exactly this state, so its figures are one aggregate over dossiers ⋈ facts
(indicators._groups_from_facts); the few dossiers with counted events after a past period's
end are replayed as before. The province derives them as shipments arrive (province/worker.py).
"""
from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from queue_server.reports.stats.indicators import EVENTS_PARAMS, EVENTS_WHERE, Replay, local_day
from queue_server.reports.stats.queries import Sql

COLUMNS = ("code", "completed_ts", "completed_midnight", "supplements", "paused_s", "paused_since", "last_ts")


def changed_dossiers(sql: Sql, after: int, upto: int) -> list[str]:
    """Dossiers with a counted status change logged in (after, upto] (ids of dossier_events)."""
    scope, params = sql.scope()
    return sorted({r[0] for r in sql.rows(
        f"SELECT DISTINCT code FROM dossier_events WHERE id > ? AND id <= ? AND {EVENTS_WHERE}{scope}",
        (after, upto, *EVENTS_PARAMS, *params))})


def facts_for(sql: Sql, codes: list[str], tz: ZoneInfo, upto: int) -> list[tuple]:
    """The facts rows of dossiers `codes` from their events up to id `upto` (of the Sql's site)."""
    scope, params = sql.scope()
    replays: dict[str, Replay] = {c: Replay() for c in codes}
    marks = ", ".join("?" * len(codes))
    for code, ts, status_to in sql.rows(
            f"SELECT code, ts, status_to FROM dossier_events WHERE code IN ({marks}) AND id <= ? AND {EVENTS_WHERE}"
            f"{scope} ORDER BY id", (*codes, upto, *EVENTS_PARAMS, *params)):
        replays[code].see(ts, status_to)
    out = []
    for code, r in replays.items():
        if r.last_ts is None:
            continue
        midnight = None if r.completed is None else \
            datetime.combine(local_day(r.completed, tz), time(0), tz).timestamp()
        out.append((code, r.completed, midnight, r.supplements, r.paused, r.paused_since, r.last_ts))
    return out

"""What a site ships to the province: four append-only logs, each with the rows it changes.

One definition for both ends: the site reads these columns from SQLite (reader.py), the
province writes them into PostgreSQL tables of the same names with a `site` column
(province/schema.py), so a statistics query written once runs on either store
(`WHERE site = %s` added on the province). Personal data stays home: phone, e-mail and
Zalo ids of dossiers, a priority visitor's proof, locker pickup codes are not shipped.

Each log row has the key (site, log, id): applying a row twice changes nothing. A changed
row (a ticket, a dossier, a parcel) is sent whole with the log rows that touch it, with
`version` = the newest log id touching it when read; the province keeps the highest version.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Log:
    name: str                 # the append-only table (and the cursor's stream name)
    columns: tuple[str, ...]
    parent: str | None = None          # the table of the rows this log changes
    parent_key: str | None = None      # the parent's key column
    link: str | None = None            # this log's column pointing at the parent
    parent_columns: tuple[str, ...] = ()


TICKET_COLUMNS = ("id", "day", "service", "seq", "number", "priority", "priority_by", "channel", "state",
                  "issued_ts", "arrived_ts", "called_ts", "started_ts", "finished_ts", "counter",
                  "recalls", "transferred_from", "transferred_to", "issued_by")
DOSSIER_COLUMNS = ("code", "agency", "day", "seq", "procedure", "applicant_masked", "received_ts", "due_ts",
                   "status", "status_ts", "collected_ts", "collected_kiosk", "returned_to_counter_ts",
                   "source", "created_by", "created_ts", "channel")
PARCEL_COLUMNS = ("id", "dossier", "kiosk", "number", "size", "state", "from_console", "reserved_ts",
                  "reserved_by", "deposited_ts", "ready_ts", "reminders", "reminded_ts", "return_due_ts",
                  "open_requested_ts", "open_confirmed_ts", "collected_ts", "collected_kiosk",
                  "retrieve_by", "returned_ts", "end_reason", "updated_ts")

LOGS = (
    Log("ticket_events", ("id", "ticket_id", "ts", "type", "counter", "actor", "data"),
        "tickets", "id", "ticket_id", TICKET_COLUMNS),
    Log("ratings", ("id", "ticket_id", "day", "number", "counter", "service", "officer", "level",
                    "reason", "device", "created_ts")),
    Log("dossier_events", ("id", "code", "ts", "type", "status_from", "status_to", "actor", "data"),
        "dossiers", "code", "code", DOSSIER_COLUMNS),
    Log("locker_audit", ("id", "ts", "kiosk", "number", "action", "actor", "purpose", "reason", "parcel_id",
                         "dossier", "door_open", "item", "data"),
        "locker_parcels", "id", "parcel_id", PARCEL_COLUMNS),
)
BY_NAME = {log.name: log for log in LOGS}
PARENTS = {log.parent: log for log in LOGS if log.parent}
#: the timestamp column of each log (lag = now - the oldest unshipped row's time)
TS_COLUMN = {"ticket_events": "ts", "ratings": "created_ts", "dossier_events": "ts", "locker_audit": "ts"}

Cursor = dict[str, int]


def zero_cursor() -> Cursor:
    return {log.name: 0 for log in LOGS}

"""Results back to the province system: status 10 with the handover time and channel.

`on_status` is called by `dossiers.set_status` inside the transaction that records the
handover (locker pickup, counter, post), so the report is queued if and only if the
handover is committed, and survives restarts. One row per dossier (UNIQUE code): a
repeated handover never reports twice. The worker delivers due rows with back-off;
a row stays `pending` until the source acknowledges it (the dashboard lists them).
Contacts of a province dossier are erased here: no notice is sent after the handover.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from queue_server.clock import iso_local
from queue_server.store import Store, Tx

log = logging.getLogger("motcua.integrations")
SOURCE = "onestop"  # dossiers.source of the dossiers the province system sent us
RETURNED = 10
CHANNEL_OF_EVENT = {"collected_locker": "locker", "handed_over_counter": "counter", "handed_over_post": "post"}
RETRY_BASE_S = 15.0
MAX_BACKOFF_S = 1800.0


class ReportError(Exception):
    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Reporter(Protocol):
    def report(self, result: dict[str, Any]) -> None: ...


def on_status(tx: Tx, row: dict[str, Any], status: int, type_: str, now: datetime) -> None:
    """Hook of `dossiers.set_status`: queue the report of a province dossier's handover."""
    channel = CHANNEL_OF_EVENT.get(type_)
    if status != RETURNED or channel is None or row.get("source") != SOURCE:
        return
    cur = tx.execute("INSERT OR IGNORE INTO integration_results (code, handed_over_ts, channel, next_ts, created_ts) "
                     "VALUES (?,?,?,?,?)", (row["code"], now.timestamp(), channel, now.timestamp(), now.timestamp()))
    tx.execute("UPDATE dossiers SET phone = NULL, email = NULL, zalo_id = NULL WHERE code = ?", (row["code"],))
    if cur.rowcount:
        tx.emit("integration.result_queued", code=row["code"], channel=channel)


def payload(row: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    return {"code": row["code"], "status": RETURNED, "handed_over_at": iso_local(row["handed_over_ts"], tz),
            "channel": row["channel"], "report_id": f"motcua-result-{row['id']}"}


def deliver_due(store: Store, reporter: Reporter, tz: ZoneInfo, now: datetime, limit: int = 50,
                retry_base_s: float = RETRY_BASE_S) -> dict[str, int]:
    done = {"acked": 0, "retry": 0, "failed": 0}
    rows = store.query("SELECT * FROM integration_results WHERE state = 'pending' AND next_ts <= ? "
                       "ORDER BY next_ts, id LIMIT ?", (now.timestamp(), limit))
    for row in rows:
        error, permanent = None, False
        try:
            reporter.report(payload(row, tz))
        except ReportError as exc:
            error, permanent = str(exc), exc.permanent
        except Exception as exc:  # a broken source must not stop the worker
            error = f"{type(exc).__name__}: {exc}"
        attempts = row["attempts"] + 1
        with store.write() as tx:
            if error is None:
                tx.execute("UPDATE integration_results SET state = 'acked', attempts = ?, acked_ts = ?, "
                           "last_error = NULL WHERE id = ?", (attempts, now.timestamp(), row["id"]))
                tx.emit("integration.result_acked", code=row["code"])
                done["acked"] += 1
            elif permanent:  # the source refused it for good: a person must look (dashboard)
                tx.execute("UPDATE integration_results SET state = 'failed', attempts = ?, last_error = ? "
                           "WHERE id = ?", (attempts, error[:300], row["id"]))
                log.error("result of %s refused by the source: %s", row["code"], error)
                done["failed"] += 1
            else:
                delay = min(retry_base_s * 2 ** (attempts - 1), MAX_BACKOFF_S)
                tx.execute("UPDATE integration_results SET attempts = ?, last_error = ?, next_ts = ? WHERE id = ?",
                           (attempts, error[:300], now.timestamp() + delay, row["id"]))
                log.warning("result of %s not delivered (attempt %d), retry in %.0fs: %s", row["code"],
                            attempts, delay, error)
                done["retry"] += 1
    return done


def retry_now(store: Store, now: datetime) -> int:
    """Make every pending report due now (the source is back; no need to wait out the back-off)."""
    with store.write() as tx:
        return tx.execute("UPDATE integration_results SET next_ts = ? WHERE state = 'pending'",
                          (now.timestamp(),)).rowcount


def acknowledge(store: Store, codes: list[str], now: datetime) -> int:
    """Reports the source says it has (a pushing source fetches them instead of being called)."""
    with store.write() as tx:
        done = 0
        for code in codes:
            done += tx.execute("UPDATE integration_results SET state = 'acked', acked_ts = ?, last_error = NULL "
                               "WHERE code = ? AND state != 'acked'", (now.timestamp(), code)).rowcount
        if done:
            tx.emit("integration.result_acked", count=done)
        return done

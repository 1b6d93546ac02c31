"""Notices to citizens (result ready, reminder): one outbox, several channels.

A request only INSERTs into `notices_outbox` inside its own transaction; a
background worker (started by `queue_server.lockers.routes`) delivers due rows with
retries and exponential back-off, so a slow SMS gateway never blocks anyone.
Channels (`queue_server.notices.adapters`): file outbox (default), SMS and
Zalo OA over HTTP, e-mail over SMTP. A message body (it carries the one-time
code) is wiped once delivered or given up; only a redacted copy stays.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import Field
from sqlite_utils import Database, Migrations

from queue_server.auth.guards import Principal, require_staff
from queue_server.clock import iso_local
from queue_server.deps import get_now, get_store
from queue_server.lockers.config import LockerConfig, NoticeConfig, load_lockers
from queue_server.notices.adapters import Adapter, SendError, make_adapters
from queue_server.store import Store, Tx

log = logging.getLogger("motcua.notices")
router = APIRouter(prefix="/api/v1/notices", tags=["notices"])
RECIPIENT_FIELD = {"file": None, "sms": "phone", "zalo": "zalo_id", "email": "email"}
MAX_BACKOFF_S = 3600.0


def locker_config(app: Any) -> LockerConfig:
    """The `[lockers]` section, read once per app (shared by lockers and notices)."""
    cfg = getattr(app.state, "lockers_config", None)
    if cfg is None:
        cfg = app.state.lockers_config = load_lockers(app.state.site.path)
    return cfg


def outbox_dir(app: Any) -> Path:
    cfg = locker_config(app).notices
    if cfg.outbox_dir:
        path = Path(cfg.outbox_dir)
        return path if path.is_absolute() else Path(app.state.site.path).parent.parent / path
    return Path(app.state.settings.db_path).parent / "outbox"


def enqueue(tx: Tx, cfg: NoticeConfig, dossier: dict[str, Any], kind: str, subject: str, body: str,
            redacted: str, now: datetime) -> list[int]:
    """Queue one message per configured channel that has a recipient; returns the outbox ids."""
    from queue_server.dossiers.routes import mask_email, mask_phone
    ids = []
    for channel in cfg.channels:
        field = RECIPIENT_FIELD[channel]
        recipient = dossier.get(field) if field else (dossier.get("phone") or dossier.get("email") or "")
        if field and not recipient:
            continue
        masked = mask_email(recipient) if channel == "email" else (
            "zalo:***" if channel == "zalo" else mask_phone(recipient) or mask_email(recipient) or "-")
        cur = tx.execute(
            "INSERT INTO notices_outbox (dossier, kind, channel, recipient, recipient_masked, subject, body, "
            "body_redacted, next_ts, created_ts) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (dossier["code"], kind, channel, recipient, masked, subject, body, redacted,
             now.timestamp(), now.timestamp()))
        ids.append(cur.lastrowid)
    if not ids:
        log.warning("dossier %s: no channel can reach the applicant (%s notice not queued)", dossier["code"], kind)
    else:
        tx.emit("notice.queued", dossier=dossier["code"], kind=kind, count=len(ids))
    return ids


class Deliverer:
    """Sends due outbox rows; one at a time per process (the worker and `POST /run` share it)."""

    def __init__(self, store: Store, cfg: NoticeConfig, outbox: Path, adapters: dict[str, Adapter] | None = None):
        self.store, self.cfg = store, cfg
        self.adapters = adapters if adapters is not None else make_adapters(cfg, outbox)
        self._lock = threading.Lock()

    def run_due(self, now: datetime, limit: int = 50) -> dict[str, int]:
        done = {"sent": 0, "retry": 0, "failed": 0}
        with self._lock:
            rows = self.store.query("SELECT * FROM notices_outbox WHERE state = 'pending' AND next_ts <= ? "
                                    "ORDER BY next_ts, id LIMIT ?", (now.timestamp(), limit))
            for row in rows:
                done[self._send(row, now)] += 1
        return done

    def _send(self, row: dict[str, Any], now: datetime) -> str:
        adapter = self.adapters.get(row["channel"])
        error, permanent = None, False
        try:
            if adapter is None:
                raise SendError(f"channel {row['channel']!r} is not configured", permanent=True)
            adapter.send(row["id"], row["recipient"] or "", row["subject"], row["body"] or "")
        except SendError as exc:
            error, permanent = str(exc), exc.permanent
        except Exception as exc:  # a broken adapter must not kill the worker
            error = f"{type(exc).__name__}: {exc}"
        attempts = row["attempts"] + 1
        with self.store.write() as tx:
            if error is None:
                tx.execute("UPDATE notices_outbox SET state='sent', attempts=?, sent_ts=?, body=NULL, "
                           "recipient=NULL, last_error=NULL WHERE id=?", (attempts, now.timestamp(), row["id"]))
                tx.emit("notice.sent", id=row["id"], dossier=row["dossier"], channel=row["channel"])
                log.info("notice %s (%s, %s) sent to %s", row["id"], row["kind"], row["channel"],
                         row["recipient_masked"])
                return "sent"
            if permanent or attempts >= self.cfg.max_attempts:
                tx.execute("UPDATE notices_outbox SET state='failed', attempts=?, last_error=?, body=NULL "
                           "WHERE id=?", (attempts, error[:300], row["id"]))
                tx.emit("notice.failed", id=row["id"], dossier=row["dossier"], channel=row["channel"])
                log.error("notice %s (%s) to %s given up after %d attempt(s): %s", row["id"], row["channel"],
                          row["recipient_masked"], attempts, error)
                return "failed"
            delay = min(self.cfg.retry_base_s * 2 ** (attempts - 1), MAX_BACKOFF_S)
            tx.execute("UPDATE notices_outbox SET attempts=?, last_error=?, next_ts=? WHERE id=?",
                       (attempts, error[:300], now.timestamp() + delay, row["id"]))
            log.warning("notice %s (%s) to %s failed (attempt %d), retry in %.0fs: %s", row["id"],
                        row["channel"], row["recipient_masked"], attempts, delay, error)
            return "retry"


def deliverer(app: Any) -> Deliverer:
    d = getattr(app.state, "notices_deliverer", None)
    if d is None:
        d = app.state.notices_deliverer = Deliverer(app.state.store, locker_config(app).notices, outbox_dir(app))
    return d


def notice_json(row: dict[str, Any], tz: Any) -> dict[str, Any]:
    return {"id": row["id"], "dossier": row["dossier"], "kind": row["kind"], "channel": row["channel"],
            "recipient": row["recipient_masked"], "subject": row["subject"], "text": row["body_redacted"],
            "state": row["state"], "attempts": row["attempts"], "next_at": iso_local(row["next_ts"], tz),
            "last_error": row["last_error"], "created_at": iso_local(row["created_ts"], tz),
            "sent_at": iso_local(row["sent_ts"], tz)}


@router.get("")
def listing(request: Request, dossier: str | None = None, state: str | None = None,
            limit: Annotated[int, Field(ge=1, le=1000)] = 200,
            who: Principal = Depends(require_staff("supervisor")),
            store: Store = Depends(get_store)) -> list[dict[str, Any]]:
    where, params = [], []
    if dossier:
        where.append("dossier = ?")
        params.append(dossier)
    if state:
        where.append("state = ?")
        params.append(state)
    sql = "SELECT * FROM notices_outbox" + (" WHERE " + " AND ".join(where) if where else "")
    rows = store.query(sql + " ORDER BY id DESC LIMIT ?", [*params, max(1, min(limit, 1000))])
    return [notice_json(r, request.app.state.site.tz) for r in rows]


@router.post("/run")
def run_now(request: Request, who: Principal = Depends(require_staff("supervisor")),
            now: datetime = Depends(get_now)) -> dict[str, int]:
    """Deliver what is due now (the worker does this by itself every few seconds)."""
    return deliverer(request.app).run_due(now)

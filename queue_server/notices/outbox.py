"""Notices to citizens (result ready, reminder): one outbox, several channels.

A request only INSERTs into `notices_outbox` inside its own transaction; a
background worker (started by `queue_server.results.lockers.worker`) delivers due rows with
retries and exponential back-off, so a slow SMS gateway never blocks anyone.
Channels (`queue_server.notices.adapters`): file outbox (default), SMS and
Zalo OA over HTTP, e-mail over SMTP.

Personal data at rest: a row's body never holds a pickup code (a `{code}` placeholder and
`code_ref`, filled in only when the message is handed to its channel — see
`queue_server.results.lockers.codes`); once a row is sent or given up its body and recipient are
wiped and only a redacted copy stays; a file-outbox message is deleted `file_keep_hours`
after it was written; a pending message for a dossier whose contacts were erased is dropped.
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, Callable

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from queue_server.auth.guards import Principal, require_staff
from queue_server.clock import iso_local
from queue_server.deps import get_now, get_store
from queue_server.results.lockers.config import LockerConfig, NoticeConfig
from queue_server.notices.adapters import Adapter, SendError, make_adapters
from queue_server.store import Store, Tx

log = logging.getLogger("motcua.notices")
router = APIRouter(prefix="/api/v1/notices", tags=["notices"])
RECIPIENT_FIELD = {"file": None, "sms": "phone", "zalo": "zalo_id", "email": "email"}
MAX_BACKOFF_S = 3600.0


def locker_config(app: Any) -> LockerConfig:
    """The `[lockers]` section (with its `[lockers.notices]`), parsed once by create_app."""
    return app.state.lockers_config


def outbox_dir(cfg: NoticeConfig, site_path: Path | str, db_path: Path | str) -> Path:
    """Where the file channel writes: `outbox_dir` (relative to the site's folder), else beside the database."""
    if cfg.outbox_dir:
        path = Path(cfg.outbox_dir)
        return path if path.is_absolute() else Path(site_path).parent.parent / path
    return Path(db_path).parent / "outbox"


def _recipients(cfg: NoticeConfig, dossier: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(channel, recipient, masked recipient) for every configured channel the dossier can be reached on."""
    from queue_server.results.dossiers.rules import mask_email, mask_phone
    out = []
    for channel in cfg.channels:
        field = RECIPIENT_FIELD[channel]
        recipient = dossier.get(field) if field else (dossier.get("phone") or dossier.get("email") or "")
        if field and not recipient:
            continue
        masked = mask_email(recipient) if channel == "email" else (
            "zalo:***" if channel == "zalo" else mask_phone(recipient) or mask_email(recipient) or "-")
        out.append((channel, recipient, masked))
    return out


def reachable(cfg: NoticeConfig, dossier: dict[str, Any]) -> list[str]:
    """Masked contacts a notice for this dossier would go to (empty: nobody can be told)."""
    return [masked for channel, recipient, masked in _recipients(cfg, dossier) if recipient]


def enqueue_one(tx: Tx, ref: str, kind: str, channel: str, recipient: str, masked: str, subject: str,
                body: str, redacted: str, now: datetime, code_ref: int | None = None) -> int:
    """Queue one message to one recipient on one channel. `ref` says what it is about (a dossier
    code, or `ticket:…` for a queue alert); `masked` is the only form of the recipient in logs."""
    cur = tx.execute(
        "INSERT INTO notices_outbox (dossier, kind, channel, recipient, recipient_masked, subject, body, "
        "body_redacted, next_ts, created_ts, code_ref) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        (ref, kind, channel, recipient, masked, subject, body, redacted, now.timestamp(), now.timestamp(),
         code_ref))
    return cur.lastrowid


def enqueue(tx: Tx, cfg: NoticeConfig, dossier: dict[str, Any], kind: str, subject: str, body: str,
            redacted: str, now: datetime, code_ref: int | None = None) -> list[int]:
    """Queue one message per configured channel that has a recipient; returns the outbox ids.
    With `code_ref`, `{code}` in the body is replaced at send time by `Deliverer.render(code_ref)`."""
    ids = [enqueue_one(tx, dossier["code"], kind, channel, recipient, masked, subject, body, redacted, now,
                       code_ref)
           for channel, recipient, masked in _recipients(cfg, dossier)]
    if not ids:
        log.warning("dossier %s: no channel can reach the applicant (%s notice not queued)", dossier["code"], kind)
    else:
        tx.emit("notice.queued", dossier=dossier["code"], kind=kind, count=len(ids))
    return ids


class Deliverer:
    """Sends due outbox rows; one at a time per process (the worker and `POST /run` share it)."""

    def __init__(self, store: Store, cfg: NoticeConfig, outbox: Path, adapters: dict[str, Adapter] | None = None,
                 render: Callable[[int, datetime], str | None] | None = None):
        self.store, self.cfg, self.outbox = store, cfg, Path(outbox)
        self.adapters = adapters if adapters is not None else make_adapters(cfg, outbox)
        self.render = render   # code_ref -> the clear code now, or None: the message is obsolete
        self._lock = threading.Lock()

    def run_due(self, now: datetime, limit: int = 50) -> dict[str, int]:
        done = {"sent": 0, "retry": 0, "failed": 0}
        with self._lock:
            rows = self.store.query("SELECT * FROM notices_outbox WHERE state = 'pending' AND next_ts <= ? "
                                    "ORDER BY next_ts, id LIMIT ?", (now.timestamp(), limit))
            for row in rows:
                done[self._send(row, now)] += 1
        return done

    def purge_files(self, now: datetime) -> int:
        """Delete file-outbox messages older than `file_keep_hours` (a gateway had its time to take them)."""
        rows = self.store.query("SELECT id FROM notices_outbox WHERE channel = 'file' AND state = 'sent' AND "
                                "purged_ts IS NULL AND sent_ts <= ?",
                                (now.timestamp() - self.cfg.file_keep_hours * 3600,))
        for row in rows:
            try:
                (self.outbox / f"{row['id']:08d}.json").unlink(missing_ok=True)
            except OSError as exc:
                log.error("notice %s: cannot delete its outbox file: %s", row["id"], exc.strerror or exc)
                continue
            with self.store.write() as tx:
                tx.execute("UPDATE notices_outbox SET purged_ts = ? WHERE id = ?", (now.timestamp(), row["id"]))
        return len(rows)

    def _drop(self, row: dict[str, Any], now: datetime, why: str) -> str:
        with self.store.write() as tx:
            tx.execute("UPDATE notices_outbox SET state='failed', last_error=?, body=NULL, "
                       "recipient=NULL WHERE id=?", (why, row["id"]))
            tx.emit("notice.failed", id=row["id"], dossier=row["dossier"], channel=row["channel"])
        log.info("notice %s (%s, %s) not sent: %s", row["id"], row["kind"], row["channel"], why)
        return "failed"

    def _send(self, row: dict[str, Any], now: datetime) -> str:
        adapter = self.adapters.get(row["channel"])
        error, permanent = None, False
        text = row["body"] or ""
        if not row["recipient"] and row["channel"] != "file":
            return self._drop(row, now, "contact erased")
        if row["code_ref"] is not None:
            code = self.render(row["code_ref"], now) if self.render else None
            if code is None:
                return self._drop(row, now, "obsolete: the result is no longer waiting, or the citizen "
                                  "already has the current code")
            text = text.replace("{code}", code)
        try:
            if adapter is None:
                raise SendError(f"channel {row['channel']!r} is not configured", permanent=True)
            adapter.send(row["id"], row["recipient"] or "", row["subject"], text)
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
                tx.execute("UPDATE notices_outbox SET state='failed', attempts=?, last_error=?, body=NULL, "
                           "recipient=NULL WHERE id=?", (attempts, error[:300], row["id"]))
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
    """The app's one deliverer, built by create_app."""
    return app.state.notices_deliverer


def erase_contacts(tx: Tx, now: datetime, retention_days: float, code: str | None = None) -> int:
    """Phone, e-mail and Zalo id of dossiers whose result was handed over (status 10) at least
    `retention_days` ago are erased (Decree 13/2023: kept no longer than needed), with every
    message still waiting to reach them. Returns how many dossiers were cleared."""
    where = "status = 10 AND COALESCE(collected_ts, status_ts) <= ? AND " \
            "(phone IS NOT NULL OR email IS NOT NULL OR zalo_id IS NOT NULL)"
    params: list[Any] = [now.timestamp() - retention_days * 86400]
    if code is not None:
        where += " AND code = ?"
        params.append(code)
    codes = [r[0] for r in tx.execute(f"SELECT code FROM dossiers WHERE {where}", params).fetchall()]
    for c in codes:
        tx.execute("UPDATE dossiers SET phone = NULL, email = NULL, zalo_id = NULL WHERE code = ?", (c,))
        tx.execute("UPDATE notices_outbox SET state = 'failed', last_error = 'contact erased', body = NULL, "
                   "recipient = NULL WHERE dossier = ? AND state = 'pending'", (c,))
        tx.execute("INSERT INTO dossier_events (code, ts, type, actor) VALUES (?, ?, 'contacts_erased', 'retention')",
                   (c, now.timestamp()))
    if codes:
        log.info("contacts erased for %d dossier(s) handed over %g day(s) ago or more", len(codes), retention_days)
    return len(codes)


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
    """Deliver what is due now, delete old file-outbox messages (the worker does this by itself)."""
    d = deliverer(request.app)
    return {**d.run_due(now), "purged": d.purge_files(now)}

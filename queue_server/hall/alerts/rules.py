"""Queue alerts: subscribe, watch, sweep. Every write through `store.write()`.

`check` runs every few seconds (app.py): for each open alert it reads the citizen's own view
of the ticket (the same as the phone page's) and queues at most one "close" notice and one
"called" notice per call. The flag is set by a conditional UPDATE in the same transaction as
the outbox INSERT, so two rounds (or two server processes) never queue the same moment twice.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from queue_server.clock import service_day
from queue_server.config import SiteConfig
from queue_server.results.dossiers.rules import mask_phone
from queue_server.results.lockers.config import NoticeConfig
from queue_server.notices.outbox import enqueue_one
from queue_server.store import Store, Tx
from queue_server.hall.tickets.citizen import citizen_view, current_row
from queue_server.hall.tickets.links import link_key

log = logging.getLogger("motcua.alerts")
PHONE_RE = re.compile(r"(?:\+?84|0)(?:3|5|7|8|9)\d{8}")   # Vietnamese mobile numbers
FINAL = ("done", "no_show", "cancelled", "expired")
TEXTS = {
    "near": ("{center}: số {number} ({service}) — còn {ahead} người phía trước. Mời ông/bà quay lại sảnh. {url}",
             "{center}: ticket {number} ({service}) — {ahead} people ahead of you. Please come back to the hall. {url}"),
    "called": ("{center}: mời ông/bà số {number} đến quầy {counter}.",
               "{center}: ticket {number}, please go to counter {counter}."),
}


def normalise_phone(text: str) -> str | None:
    """'090 123 4567', '+84 90 123 4567' → '0901234567'; None if not a Vietnamese mobile number."""
    digits = re.sub(r"[\s.\-()]", "", text or "")
    if not PHONE_RE.fullmatch(digits):
        return None
    return "0" + digits[-9:]


def phone_hash(store: Store, day: str, phone: str) -> str:
    # keyed and per day: the same number links alerts of one day only, and nothing outside this database
    return hmac.new(link_key(store), f"alert|{day}|{phone}".encode(), hashlib.sha256).hexdigest()


def subscribe(store: Store, site: SiteConfig, ticket_id: int, phone: str, lang: str, now: datetime) -> dict[str, Any]:
    """Ask for notices on this ticket (a second request replaces the number). Returns the public view."""
    day = service_day(now, site.tz)
    masked = mask_phone(phone) or "***"
    with store.write() as tx:
        tx.execute("INSERT INTO ticket_alerts (ticket_id, day, phone, phone_hash, phone_masked, lang, threshold, "
                   "created_ts) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (ticket_id) DO UPDATE SET phone = excluded.phone, "
                   "phone_hash = excluded.phone_hash, phone_masked = excluded.phone_masked, lang = excluded.lang, "
                   "closed_ts = NULL",
                   (ticket_id, day, phone, phone_hash(store, day, phone), masked, lang, site.queue.alert_ahead,
                    now.timestamp()))
    log.info("queue alert for ticket %s to %s", ticket_id, masked)
    return alert_view(store, ticket_id)


def unsubscribe(store: Store, ticket_id: int) -> None:
    with store.write() as tx:
        tx.execute("DELETE FROM ticket_alerts WHERE ticket_id = ?", (ticket_id,))


def alert_view(store: Store, ticket_id: int) -> dict[str, Any]:
    row = store.one("SELECT phone_masked, threshold, near_ts, called_ticket, closed_ts FROM ticket_alerts "
                    "WHERE ticket_id = ?", (ticket_id,))
    if row is None:
        return {"active": False}
    return {"active": row["closed_ts"] is None, "phone": row["phone_masked"], "ahead": row["threshold"],
            "near_sent": row["near_ts"] is not None, "called_sent": row["called_ticket"] is not None}


def _channel(cfg: NoticeConfig) -> str:
    """SMS when a gateway is configured, else the file outbox (a gateway or a person picks it up)."""
    return "sms" if "sms" in cfg.channels and cfg.sms_url else "file"


def _queue(tx: Tx, cfg: NoticeConfig, alert: dict[str, Any], kind: str, view: dict[str, Any], url: str,
           now: datetime) -> int:
    vi = alert["lang"] != "en"
    center = view["center_name"] if vi else (view["center_name_en"] or view["center_name"])
    service = view["service_name"] if vi else (view["service_name_en"] or view["service_name"])
    text = TEXTS[kind][0 if vi else 1]
    values = {"center": center, "number": view["number"], "service": service, "ahead": view["people_ahead"],
              "counter": view["counter"], "url": url}
    body = text.format(**values).strip()
    redacted = text.format(**{**values, "url": "[link]"}).strip()
    ref = f"ticket:{view['day']}/{view['number']}"
    return enqueue_one(tx, ref, f"queue_{kind}", _channel(cfg), alert["phone"], alert["phone_masked"],
                       center, body, redacted, now)


def check(store: Store, site: SiteConfig, cfg: NoticeConfig, now: datetime, link_of: Any) -> int:
    """Queue the notices due now; returns how many were queued. `link_of(ticket_id)` → page URL."""
    alerts = store.query("SELECT * FROM ticket_alerts WHERE closed_ts IS NULL")
    queued = 0
    for alert in alerts:
        view = citizen_view(store, site, alert["ticket_id"], now)
        current, _ = current_row(store.db.conn, alert["ticket_id"])
        state = view["state"]
        with store.write() as tx:
            if state == "waiting" and view["people_ahead"] is not None and view["people_ahead"] <= alert["threshold"]:
                if tx.execute("UPDATE ticket_alerts SET near_ts = ? WHERE id = ? AND near_ts IS NULL",
                              (now.timestamp(), alert["id"])).rowcount:
                    _queue(tx, cfg, alert, "near", view, link_of(alert["ticket_id"]), now)
                    queued += 1
            elif state == "called":
                # called before the "close" moment came (a short queue): that moment has passed
                tx.execute("UPDATE ticket_alerts SET near_ts = COALESCE(near_ts, ?) WHERE id = ?",
                           (now.timestamp(), alert["id"]))
                if tx.execute("UPDATE ticket_alerts SET called_ticket = ? WHERE id = ? AND "
                              "COALESCE(called_ticket, 0) != ?",
                              (current["id"], alert["id"], current["id"])).rowcount:
                    _queue(tx, cfg, alert, "called", view, "", now)
                    queued += 1
            elif state in FINAL:  # nothing more to tell: the number is not needed any more
                tx.execute("UPDATE ticket_alerts SET phone = NULL, closed_ts = ? WHERE id = ?",
                           (now.timestamp(), alert["id"]))
    return queued


def sweep(store: Store, site: SiteConfig, now: datetime, outbox: Path) -> int:
    """After the day: alerts deleted, their unsent notices dropped, their file-outbox copies deleted.
    Returns how many alerts were deleted (0 costs one read, no write)."""
    today = service_day(now, site.tz)
    if store.one("SELECT 1 AS x FROM ticket_alerts WHERE day < ? LIMIT 1", (today,)) is None:
        return 0
    with store.write() as tx:
        refs = "dossier LIKE 'ticket:%' AND substr(dossier, 8, 10) < ?"
        files = [r[0] for r in tx.execute(f"SELECT id FROM notices_outbox WHERE {refs} AND channel = 'file' "
                                          "AND purged_ts IS NULL", (today,)).fetchall()]
        tx.execute(f"UPDATE notices_outbox SET state = CASE state WHEN 'pending' THEN 'failed' ELSE state END, "
                   f"last_error = CASE state WHEN 'pending' THEN 'day over' ELSE last_error END, "
                   f"recipient = NULL, body = NULL, purged_ts = ? WHERE {refs}", (now.timestamp(), today))
        gone = tx.execute("DELETE FROM ticket_alerts WHERE day < ?", (today,)).rowcount
    for notice_id in files:
        try:
            (outbox / f"{notice_id:08d}.json").unlink(missing_ok=True)
        except OSError as exc:
            log.error("queue alert notice %s: cannot delete its outbox file: %s", notice_id, exc.strerror or exc)
    log.info("queue alerts of past days deleted: %d (numbers erased)", gone)
    return gone

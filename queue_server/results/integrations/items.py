"""One dossier item from the province system: checked, then applied in order of `status_at`.

The same function serves the push endpoint, the pull adapters and the file import, so
a dossier arrives the same way whatever road it took:

    applied    new dossier, or a newer status / details than the one known
    unchanged  the same version again (a retry, a duplicate in the feed)
    stale      older than the version already applied (out-of-order delivery): ignored
    rejected   the item is wrong (reason says what); other items are not affected

Names are stored masked (`dossiers.mask_name`); phone / e-mail / Zalo id are kept only
while notices may still need them, i.e. until the dossier is finished (3, 7, 8, 10).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.results.dossiers import rules as dossiers
from queue_server.results.integrations import notify as notices
from queue_server.results.lockers.config import NoticeConfig
from queue_server.store import Tx

MAX_ITEMS = 1000
FINISHED = frozenset({3, 7, 8, 10})  # no notice will ever be sent again: contacts are erased
SOURCE = "onestop"                   # dossiers.source of everything that came from the province
TEXT_LIMITS = {"procedure": 200, "applicant_name": 200, "phone": 20, "email": 200, "zalo_id": 100}
DATE_FORMATS = ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%d/%m/%Y")  # Vietnamese exports


class ItemError(ValueError):
    """Why an item is rejected (English, short; the code stays for the log)."""


@dataclass(frozen=True)
class Item:
    code: str
    agency: str
    day: str
    seq: int
    status: int
    status_ts: float
    procedure: str
    received_ts: float | None
    due_ts: float | None
    applicant_name: str
    phone: str | None
    email: str | None
    zalo_id: str | None
    consent: bool | None = None  # the applicant agreed to notices; None: as before


def parse_time(value: Any, tz: ZoneInfo, key: str) -> float:
    """ISO 8601 (a time without offset is the site's local time), dd/mm/yyyy[ hh:mm], or a datetime."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, date):
        dt = datetime(value.year, value.month, value.day)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            for fmt in DATE_FORMATS:
                try:
                    dt = datetime.strptime(text, fmt)
                    break
                except ValueError:
                    continue
            else:
                raise ItemError(f"{key}: {text[:40]!r} is not a date-time like 2026-11-23T08:00:00+07:00") from None
    else:
        raise ItemError(f"{key}: expected a date-time string, got {type(value).__name__}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    if not 2000 <= dt.astimezone(timezone.utc).year <= 2100:
        raise ItemError(f"{key}: {dt.isoformat()} is out of range")
    return dt.timestamp()


def _text(raw: dict[str, Any], key: str, required: bool = False) -> str | None:
    value = raw.get(key)
    if value is None or value == "":
        if required:
            raise ItemError(f"{key}: missing")
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key == "phone":
        # a spreadsheet made the number a number: it ate the leading 0 of a Vietnamese mobile (0xxxxxxxxx)
        value = str(int(value)) if float(value).is_integer() else str(value)
        value = "0" + value if len(value) == 9 else value
    if not isinstance(value, str):
        raise ItemError(f"{key}: expected text, got {type(value).__name__}")
    value = value.strip()
    if len(value) > TEXT_LIMITS[key]:
        raise ItemError(f"{key}: longer than {TEXT_LIMITS[key]} characters")
    return value or None


def _status(value: Any) -> int:
    if isinstance(value, bool):
        raise ItemError("status: expected a number 1–10, got a boolean")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= 10:
        raise ItemError(f"status: expected a number 1–10, got {str(value)[:20]!r}")
    return value


def parse_item(raw: Any, tz: ZoneInfo) -> Item:
    if not isinstance(raw, dict):
        raise ItemError(f"expected an object, got {type(raw).__name__}")
    code = raw.get("code")
    if not isinstance(code, str) or not code.strip():
        raise ItemError("code: missing")
    try:
        agency, day, seq = dossiers.parse_code(code)
    except ValueError as exc:
        raise ItemError(f"code: {exc}") from None
    if "status_at" not in raw or raw["status_at"] in (None, ""):
        raise ItemError("status_at: missing")
    phone, email = _text(raw, "phone"), _text(raw, "email")
    problem = dossiers.contact_problem(phone, email)
    if problem:
        raise ItemError(problem[1])
    return Item(
        code=code.strip(), agency=agency, day=day, seq=seq, status=_status(raw.get("status")),
        status_ts=parse_time(raw["status_at"], tz, "status_at"),
        procedure=_text(raw, "procedure", required=True) or "",
        received_ts=parse_time(raw["received_at"], tz, "received_at") if raw.get("received_at") else None,
        due_ts=parse_time(raw["due_at"], tz, "due_at") if raw.get("due_at") else None,
        applicant_name=_text(raw, "applicant_name") or "", phone=phone, email=email,
        zalo_id=_text(raw, "zalo_id"), consent=_consent(raw.get("consent")))


def _consent(value: Any) -> bool | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "có", "không", "yes", "no"):
        return value.strip().lower() in ("true", "1", "có", "yes")
    raise ItemError(f"consent: expected true/false, got {str(value)[:20]!r}")


def code_of(raw: Any) -> str | None:
    """The item's code as sent (for the answer and the log), when there is a usable one."""
    code = raw.get("code") if isinstance(raw, dict) else None
    return code.strip()[:40] if isinstance(code, str) else None


# -- apply ---------------------------------------------------------------------------------
def _details(item: Item, keep_contacts: bool) -> dict[str, Any]:
    details = {"procedure": item.procedure, "received_ts": item.received_ts or item.status_ts,
               "due_ts": item.due_ts, "applicant_masked": dossiers.mask_name(item.applicant_name)}
    if keep_contacts:
        details.update(phone=item.phone, email=item.email, zalo_id=item.zalo_id)
    else:
        details.update(phone=None, email=None, zalo_id=None)
    return details


def apply_item(tx: Tx, item: Item, now: datetime, actor: str, notify: NoticeConfig | None = None,
               tz: ZoneInfo | None = None) -> tuple[str, str]:
    """(outcome, reason) for one checked item, inside the caller's write transaction.
    `notify`: the notice channels, when this road may tell the applicant (not for an import)."""
    row = dossiers.get(tx, item.code)
    version = tx.execute("SELECT status, status_ts, consent FROM integration_versions WHERE code = ?",
                         (item.code,)).fetchone()
    if version is not None and item.status_ts < version[1]:
        return "stale", f"a newer status ({version[0]}) was already applied"
    if version is not None and item.status_ts == version[1] and item.status != version[0]:
        return "rejected", f"conflict: status {version[0]} was applied for the same status_at"
    when = datetime.fromtimestamp(item.status_ts, timezone.utc)
    if row is None:
        status = item.status
        tx.db["dossiers"].insert({
            "code": item.code, "agency": item.agency, "day": item.day, "seq": item.seq,
            **_details(item, status not in FINISHED), "status": status, "status_ts": item.status_ts,
            "source": SOURCE, "created_by": actor, "created_ts": now.timestamp()})
        tx.execute("INSERT INTO dossier_events (code, ts, type, status_to, actor) VALUES (?,?,?,?,?)",
                   (item.code, now.timestamp(), SOURCE, status, actor))
        tx.emit("dossier.created", code=item.code, status=status)
        outcome, reason = "applied", "new dossier"
    else:
        # A result handed over here stays handed over, whatever the source has not yet heard.
        handed_over_here = row["status"] == dossiers.RETURNED and tx.execute(
            "SELECT 1 FROM integration_results WHERE code = ?", (item.code,)).fetchone() is not None
        status = row["status"] if handed_over_here else item.status
        details = _details(item, status not in FINISHED)
        if status == item.status and status == row["status"] and row["status_ts"] != item.status_ts and (
                version is None or item.status_ts > version[1]):
            details["status_ts"] = item.status_ts  # the same status, confirmed later by the source
        changed = {k: v for k, v in details.items() if row[k] != v}
        if row["source"] != SOURCE:
            changed["source"] = SOURCE  # typed in before the sync knew it: the province is the reference
        if changed:
            sets = ", ".join(f"{k} = ?" for k in changed)
            tx.execute(f"UPDATE dossiers SET {sets} WHERE code = ?", (*changed.values(), item.code))
        if status != row["status"]:
            dossiers.set_status(tx, item.code, status, when, actor, "synced")
            outcome, reason = "applied", f"status {row['status']} → {status}"
        elif changed:
            outcome, reason = "applied", "status time updated" if list(changed) == ["status_ts"] else "details updated"
        elif version is not None and item.status_ts == version[1]:
            outcome, reason = "unchanged", "already applied"
        else:
            outcome = "unchanged"
            reason = "result already handed over here" if status != item.status else "same status"
    consent = item.consent if item.consent is not None else bool(version and version[2])
    tx.execute("INSERT INTO integration_versions (code, status, status_ts, source, applied_ts, consent) "
               "VALUES (?,?,?,?,?,?) ON CONFLICT (code) DO UPDATE SET status = excluded.status, "
               "status_ts = excluded.status_ts, source = excluded.source, applied_ts = excluded.applied_ts, "
               "consent = excluded.consent",
               (item.code, item.status, item.status_ts, actor, now.timestamp(), int(consent)))
    if notify is not None and consent and outcome == "applied":
        notices.after_sync(tx, notify, row, dossiers.get(tx, item.code), now, tz or ZoneInfo("Asia/Ho_Chi_Minh"))
    return outcome, reason


def apply_batch(tx: Tx, raws: list[Any], tz: ZoneInfo, now: datetime, actor: str,
                source: str, notify: NoticeConfig | None = None) -> list[dict[str, Any]]:
    """Per-item answers, in the order sent. Items of one dossier in one batch apply by status_at."""
    parsed: list[tuple[int, Item | None, str]] = []
    for n, raw in enumerate(raws):
        try:
            parsed.append((n, parse_item(raw, tz), ""))
        except ItemError as exc:
            parsed.append((n, None, str(exc)))
    answers: list[dict[str, Any]] = [{} for _ in raws]
    for n, item, error in sorted(parsed, key=lambda p: (p[1].status_ts if p[1] else 0.0, p[0])):
        if item is None:
            answers[n] = {"code": code_of(raws[n]), "result": "rejected", "reason": error}
            tx.execute("INSERT INTO integration_rejects (ts, source, code, reason) VALUES (?,?,?,?)",
                       (now.timestamp(), source, code_of(raws[n]), error))
            continue
        outcome, reason = apply_item(tx, item, now, actor, notify, tz)
        if outcome == "rejected":
            tx.execute("INSERT INTO integration_rejects (ts, source, code, reason) VALUES (?,?,?,?)",
                       (now.timestamp(), source, item.code, reason))
        answers[n] = {"code": item.code, "result": outcome, "reason": reason}
    return answers


def count(answers: list[dict[str, Any]]) -> dict[str, int]:
    out = {"applied": 0, "unchanged": 0, "stale": 0, "rejected": 0}
    for a in answers:
        out[a["result"]] += 1
    return out


"""Notices at the moments that matter for a synced dossier, when the applicant agreed.

received (2), supplement requested (5), fees requested (6), result ready (9), and a delay
(the source moved the due date later while the dossier is open). Each goes through the
notices outbox (its channels, retries, redaction) once per change: the key (kind and the
source's status time or the new due date) is recorded in the same transaction.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.results.dossiers import words
from queue_server.results.lockers.config import NoticeConfig
from queue_server.notices import outbox as notices
from queue_server.store import Tx

KIND_OF_STATUS = {2: "received", 5: "supplement", 6: "fee", 9: "result_ready"}


def _text(kind: str, row: dict[str, Any], now: datetime, tz: ZoneInfo) -> tuple[str, str]:
    code, due = row["code"], words.day(row["due_ts"], tz)
    step_vi, step_en = words.next_step(row, None, now, tz)
    if kind == "received":
        return (f"Hồ sơ {code} đã được tiếp nhận", f"Hồ sơ {code} ({row['procedure']}) đã được tiếp nhận. "
                f"{step_vi} / Dossier {code} was accepted. {step_en}")
    if kind == "delayed":
        return (f"Hồ sơ {code}: hẹn lại ngày trả", f"Xin lỗi ông/bà: hồ sơ {code} chưa giải quyết xong đúng hẹn. "
                f"Ngày hẹn trả mới: {due}. / We are sorry: dossier {code} is late. New due date: {due}.")
    subject = {"supplement": "cần bổ sung giấy tờ", "fee": "cần nộp phí", "result_ready": "đã có kết quả"}[kind]
    return f"Hồ sơ {code}: {subject}", f"Hồ sơ {code}: {step_vi} / Dossier {code}: {step_en}"


def after_sync(tx: Tx, cfg: NoticeConfig, before: dict[str, Any] | None, after: dict[str, Any],
               now: datetime, tz: ZoneInfo) -> list[str]:
    """Queue the notices this change calls for; returns their kinds."""
    wanted = []
    if after["status"] != (before["status"] if before else None) and after["status"] in KIND_OF_STATUS:
        wanted.append((KIND_OF_STATUS[after["status"]], f"status:{after['status']}:{after['status_ts']}"))
    if before is not None and before["due_ts"] and after["due_ts"] and after["due_ts"] > before["due_ts"] \
            and after["status"] in words.OPEN:
        wanted.append(("delayed", f"due:{after['due_ts']}"))
    sent = []
    for kind, key in wanted:
        fresh = tx.execute("INSERT OR IGNORE INTO integration_notices (code, key, ts) VALUES (?,?,?)",
                           (after["code"], key, now.timestamp())).rowcount
        if fresh:
            subject, text = _text(kind, after, now, tz)
            notices.enqueue(tx, cfg, after, kind, subject, text, text, now)
            sent.append(kind)
    return sent

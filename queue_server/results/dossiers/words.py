"""What a citizen should do next, in plain words (Vietnamese / English), from a dossier's state.

Shown by the public lookup (kiosk, phone) under the status name; the same sentences
start the notices sent when a synced dossier changes (queue_server.results.integrations.notify).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

OPEN = frozenset({1, 2, 4, 5, 6})  # not finished: can be late


def day(ts: float | None, tz: ZoneInfo) -> str:
    return datetime.fromtimestamp(ts, tz).strftime("%d/%m/%Y") if ts else ""


def overdue(row: dict[str, Any], now: datetime) -> bool:
    return row["status"] in OPEN and bool(row["due_ts"]) and now.timestamp() > row["due_ts"]


def next_step(row: dict[str, Any], parcel: dict[str, Any] | None, now: datetime, tz: ZoneInfo,
              postal: dict[str, Any] | None = None) -> tuple[str, str]:
    """(vi, en) sentence: what happens now and what the citizen does. `postal`: a request to
    receive the result by post ({"state", "address_masked"})."""
    status, due = row["status"], day(row["due_ts"], tz)
    if postal is not None and postal["state"] == "requested" and status in OPEN | {9}:
        where = postal["address_masked"]
        if status == 9:
            return (f"Kết quả đã có và sẽ được gửi qua bưu điện đến địa chỉ ông/bà đã đăng ký ({where}).",
                    f"The result is ready and will be sent by post to the address you gave ({where}).")
        if status in (1, 2, 4) and not overdue(row, now):
            return (f"Hồ sơ đang được giải quyết; kết quả sẽ được gửi qua bưu điện ({where}). Ngày hẹn trả: {due}.",
                    f"The dossier is being processed; the result will be sent by post ({where}). Due on {due}.")
    if overdue(row, now):
        return (f"Hồ sơ đã quá ngày hẹn trả ({due}). Cơ quan giải quyết sẽ xin lỗi và hẹn lại ngày trả; "
                "ông/bà có thể hỏi tại quầy tiếp nhận.",
                f"The dossier is past its due date ({due}). The agency will apologise and set a new date; "
                "you may ask at the reception counter.")
    if status in (1, 2, 4):
        when_vi, when_en = (f" Ngày hẹn trả kết quả: {due}.", f" Result due on {due}.") if due else ("", "")
        return ("Hồ sơ đang được giải quyết, ông/bà chưa cần làm gì." + when_vi,
                "The dossier is being processed; nothing to do for now." + when_en)
    if status == 5:
        return ("Cần bổ sung giấy tờ: mời ông/bà mang giấy tờ còn thiếu (theo thông báo đã gửi) đến quầy tiếp nhận. "
                "Thời gian chờ bổ sung không tính vào hạn giải quyết.",
                "More documents are needed: please bring the missing papers (see the notice sent to you) to the "
                "reception counter. The time waiting for them does not count against the due date.")
    if status == 6:
        return ("Cần nộp phí, lệ phí: mời ông/bà nộp tại quầy hoặc trực tuyến trên Cổng Dịch vụ công để hồ sơ "
                "được giải quyết tiếp.",
                "Fees must be paid: please pay at the counter or online on the National Public Service Portal "
                "so the dossier can go on.")
    if status == 9:
        if parcel is not None and parcel["state"] == "ready":
            return (f"Kết quả đã sẵn sàng ở tủ trả kết quả, ngăn số {parcel['number']}: quét mã QR trên giấy hẹn "
                    "tại ki-ốt trả kết quả rồi nhập mã nhận đã gửi cho ông/bà.",
                    f"The result is ready in the result locker, compartment {parcel['number']}: scan the QR code "
                    "of your receipt at the result kiosk and enter the pickup code sent to you.")
        return ("Kết quả đã có: mời ông/bà đến quầy trả kết quả, mang theo giấy hẹn.",
                "The result is ready: please come to the result counter with your receipt.")
    if status == 10:
        when = day(row.get("collected_ts") or row["status_ts"], tz)
        return (f"Đã trả kết quả ngày {when}.", f"The result was handed over on {when}.")
    if status == 3:
        return ("Hồ sơ không được tiếp nhận; lý do ghi trong thông báo gửi ông/bà, có thể hỏi tại quầy.",
                "The dossier was not accepted; the reason is in the notice sent to you, or ask at the counter.")
    if status == 7:
        return ("Hồ sơ đã được rút theo yêu cầu.", "The dossier was withdrawn on request.")
    return ("Hồ sơ đã dừng giải quyết; lý do ghi trong thông báo gửi ông/bà.",
            "Processing was stopped; the reason is in the notice sent to you.")

"""The two messages the applicant gets about the post, to the contact on file (notices outbox):
the confirmation code (its clear value filled in at send time, `postal.codes`), and "your
result will go by post to …" once a request is recorded — so a request nobody expected is seen."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server.results.lockers.config import NoticeConfig
from queue_server.notices import outbox as notices
from queue_server.store import Tx


def send_code(tx: Tx, cfg: NoticeConfig, dossier: dict[str, Any], where: str, code_ref: int, ttl_s: float,
              now: datetime) -> list[int]:
    minutes = int(ttl_s // 60)
    text = (f"Mã xác nhận nhận kết quả hồ sơ {dossier['code']} qua bưu điện (gửi tới {where}): {{code}}. "
            f"Hiệu lực {minutes} phút. Nếu không phải ông/bà yêu cầu, xin bỏ qua tin này và không đưa mã cho ai. / "
            f"Code to confirm sending the result of dossier {dossier['code']} by post (to {where}): {{code}}. "
            f"Valid {minutes} min. If you did not ask for this, ignore it and never share the code.")
    subject = "Mã xác nhận gửi kết quả qua bưu điện / Postal confirmation code"
    return notices.enqueue(tx, cfg, dossier, "postal_code", subject, text, text.replace("{code}", "******"), now,
                           code_ref=code_ref)


def tell_requested(tx: Tx, cfg: NoticeConfig, dossier: dict[str, Any], where: str, now: datetime) -> list[int]:
    text = (f"Kết quả hồ sơ {dossier['code']} sẽ được gửi qua bưu điện tới {where} khi có kết quả. "
            f"Nếu không phải ông/bà yêu cầu, xin báo ngay cho bộ phận một cửa. / "
            f"The result of dossier {dossier['code']} will be sent by post to {where} when it is ready. "
            f"If you did not ask for this, please tell the one-stop office at once.")
    subject = f"Kết quả hồ sơ {dossier['code']} gửi qua bưu điện / Result by post"
    return notices.enqueue(tx, cfg, dossier, "postal_requested", subject, text, text, now)

"""Fake payloads a scanner reads, for tests and demos. Every person here is invented.

The chip-ID (CCCD) QR is ``ID12|oldID9|Full Name|DDMMYYYY|Nam/Nữ|Address|DDMMYYYY``;
its 12-digit number is province code (3) + sex/century digit + two year digits +
6 serial digits (Circular 07/2016/TT-BCA), which the generator keeps consistent.

Protocol: docs/protocols/scanner.md.
"""
from __future__ import annotations

import random
from datetime import date

FAKE_NAMES = {
    "Nam": ["Nguyễn Văn An", "Trần Quốc Bảo", "Lê Đức Thắng", "Phạm Hữu Nghĩa"],
    "Nữ": ["Trần Thị Bình", "Lê Thị Hồng Nhung", "Võ Thị Ánh", "Đặng Thị Thu Hà"],
}
FAKE_ADDRESSES = ["Số 12, Phường 1, Thành phố Đà Lạt, Lâm Đồng",
                  "Thôn Phú Hòa, Xã Phú Hội, Huyện Đức Trọng, Lâm Đồng",
                  "Tổ 5, Phường Hồng Hải, Thành phố Hạ Long, Quảng Ninh"]


def fake_id12(birth: date, sex: str = "Nam", province: str = "068", serial: int | None = None,
              rng: random.Random | None = None) -> str:
    female = sex == "Nữ"
    century_digit = (birth.year // 100 - 19) * 2 + (1 if female else 0)
    if serial is None:
        serial = (rng or random.Random()).randrange(1_000_000)
    return f"{province}{century_digit}{birth.year % 100:02d}{serial:06d}"


def fake_cccd(birth: date = date(1950, 3, 1), sex: str = "Nam", *, name: str | None = None,
              province: str = "068", serial: int | None = None, old_id: str | None = None,
              issued: date | None = None, address: str | None = None, extra: tuple[str, ...] = (),
              seed: int | None = None) -> str:
    """A chip-ID QR text for an invented person (default: a man born 1 March 1950, Lâm Đồng)."""
    rng = random.Random(seed)
    id12 = fake_id12(birth, sex, province, serial, rng)
    if old_id is None:
        old_id = f"{rng.randrange(10**9):09d}"
    issued = issued or date(max(birth.year + 14, 2021), 7, 15)
    name = name or rng.choice(FAKE_NAMES[sex])
    address = address or rng.choice(FAKE_ADDRESSES)
    fields = [id12, old_id, name, f"{birth:%d%m%Y}", sex, address, f"{issued:%d%m%Y}", *extra]
    return "|".join(fields)


def fake_dossier_code(agency: str = "000.00.21.H29", day: date = date(2023, 1, 1), seq: int = 1) -> str:
    return f"{agency}-{day:%y%m%d}-{seq:04d}"


def fake_receipt(code: str | None = None, *, procedure: str = "1.001757", applicant_id: str | None = None,
                 appointment: date = date(2023, 1, 10)) -> str:
    """A receipt (Circular 01/2023) QR: key=value fields; real encodings vary by province."""
    code = code or fake_dossier_code()
    applicant_id = applicant_id or fake_id12(date(1985, 6, 15), "Nữ", serial=123456)
    return (f"MaHoSo:{code};MaTTHC:{procedure};SoGiayTo:{applicant_id};"
            f"TenTTHC:Cấp giấy chứng nhận quyền sử dụng đất;HeThong:Một cửa điện tử;"
            f"NgayHen:{appointment:%d/%m/%Y}")


def fake_ticket_url(base: str = "http://127.0.0.1:8000", ticket_id: str | int = 42) -> str:
    return f"{base.rstrip('/')}/t/{ticket_id}"

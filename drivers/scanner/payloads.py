"""What a scanned code is: chip-ID card, dossier code, our ticket, or unknown.

Pure functions, no I/O. The chip-ID (CCCD) QR carries a citizen's ID number,
name, birth date and address; this module keeps only what the kiosk needs
(age, a salted hash of the ID, the last digits for display) and never puts the
ID or the name into a result, its repr or a reason string.

Our own ticket QR is the ticket's public status page, ``{server_url}/t/{ticket_id}``
(e.g. ``http://10.0.0.5:8000/t/42``); ``{base}/tickets/{id}`` and
``{base}/api/v1/tickets/{id}`` are recognised too. Ticket ids are 1-64 of
``[A-Za-z0-9_-]``, so a status URL never needs escaping.

Protocol: docs/protocols/scanner.md.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Union
from zoneinfo import ZoneInfo

ELDERLY_AGE = 60
SITE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_SALT = b"motcua-default-salt-change-me"
MAX_AGE = 130

# Province / city codes that open a 12-digit citizen ID (Circular 07/2016/TT-BCA).
PROVINCE_CODES = frozenset(
    "001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027 030 031 "
    "033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 "
    "064 066 067 068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 "
    "094 095 096".split())

# A dossier code: {agency}-{yyMMdd}-{NNNN}. Agency IDs (Decision 20/2020/QĐ-TTg) are
# dotted, lowest level first, the top level a letter and two digits: 000.00.21.H29.
AGENCY = r"(?:\d{2,3}\.){0,3}[A-Z]\d{2}"
DOSSIER_RE = re.compile(rf"(?<![\w.])({AGENCY})-(\d{{6}})-(\d{{4,6}})(?![\w])")
DOSSIER_FULL_RE = re.compile(rf"({AGENCY})-(\d{{6}})-(\d{{4,6}})")
AIM_PREFIX = re.compile(r"\A\][A-Za-z][0-9A-Za-z]")
TICKET_RE = re.compile(
    r"https?://[A-Za-z0-9.\-\[\]:]+(?:/[A-Za-z0-9._~%\-]+)*?"
    r"/(?:t|tickets|api/v1/tickets)/([A-Za-z0-9_-]{1,64})/?")


@dataclass(frozen=True)
class CitizenId:
    """A chip-ID card QR, reduced to what the kiosk may keep."""

    id_hash: str
    id_masked: str
    age: int
    is_elderly: bool
    sex: str  # "M" | "F"
    kind: str = field(default="citizen_id", init=False)

    @property
    def message_vi(self) -> str:
        return "Đã đọc căn cước công dân" + (" — người cao tuổi" if self.is_elderly else "")

    @property
    def message_en(self) -> str:
        return "Citizen ID card read" + (" — elderly" if self.is_elderly else "")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DossierCode:
    code: str
    agency: str
    date: date
    seq: int
    source: str  # "code" (scanned alone) | "receipt" (found inside a longer text)
    kind: str = field(default="dossier", init=False)

    @property
    def message_vi(self) -> str:
        return f"Mã hồ sơ {self.code}"

    @property
    def message_en(self) -> str:
        return f"Dossier code {self.code}"

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = self.date.isoformat()
        return d


@dataclass(frozen=True)
class TicketRef:
    ticket_id: str
    url: str
    kind: str = field(default="ticket", init=False)

    @property
    def message_vi(self) -> str:
        return f"Phiếu số thứ tự {self.ticket_id}"

    @property
    def message_en(self) -> str:
        return f"Queue ticket {self.ticket_id}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Unknown:
    reason: str
    kind: str = field(default="unknown", init=False)

    message_vi = "Không nhận ra mã này. Vui lòng thử lại hoặc hỏi cán bộ hướng dẫn."
    message_en = "This code was not recognised. Please try again or ask staff for help."

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "reason": self.reason}


Payload = Union[CitizenId, DossierCode, TicketRef, Unknown]


class _Invalid(ValueError):
    """A reason safe to show in logs: it never quotes the payload."""


# -- helpers -------------------------------------------------------------------
def site_today() -> date:
    return datetime.now(SITE_TZ).date()


def hash_id(id12: str, salt: bytes | str = DEFAULT_SALT) -> str:
    """HMAC-SHA256 of the 12-digit ID under the site's salt, hex."""
    key = salt.encode() if isinstance(salt, str) else salt
    return hmac.new(key, id12.encode("ascii"), hashlib.sha256).hexdigest()


def mask_id(id12: str) -> str:
    return "*" * (len(id12) - 3) + id12[-3:]


def age_on(birth: date, today: date) -> int:
    """Whole years; someone born on 29 February turns a year older on 1 March."""
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def parse_ddmmyyyy(text: str, what: str) -> date:
    if not re.fullmatch(r"\d{8}", text):
        raise _Invalid(f"{what} is not 8 digits DDMMYYYY")
    try:
        return date(int(text[4:]), int(text[2:4]), int(text[:2]))
    except ValueError:
        raise _Invalid(f"{what} is not a calendar date") from None


def format_dossier_code(agency: str, day: date, seq: int) -> str:
    code = f"{agency}-{day:%y%m%d}-{seq:04d}"
    if not DOSSIER_FULL_RE.fullmatch(code) or not 0 < seq < 1_000_000 or not 2000 <= day.year < 2100:
        raise ValueError("agency must look like 000.00.21.H29, seq 1..999999, year 2000..2099")
    return code


# -- citizen ID ----------------------------------------------------------------
def _century_digit(birth_year: int, female: bool) -> int:
    # 4th digit of the ID: 0/1 for 1900s male/female, 2/3 for 2000s, 4/5 2100s ...
    return ((birth_year // 100) - 19) * 2 + int(female)


def parse_citizen_id(text: str, today: date, salt: bytes | str) -> CitizenId:
    fields = text.split("|")
    if len(fields) < 7:
        raise _Invalid(f"chip-ID QR needs at least 7 fields separated by '|', got {len(fields)}")
    id12, old_id, name, birth_s, sex_s, _address, issued_s = (f.strip() for f in fields[:7])
    if not re.fullmatch(r"\d{12}", id12):
        raise _Invalid("chip-ID field 1 is not a 12-digit ID number")
    if id12[:3] not in PROVINCE_CODES:
        raise _Invalid("chip-ID number does not start with a province code")
    if old_id and not re.fullmatch(r"\d{9}|\d{12}", old_id):
        raise _Invalid("chip-ID field 2 (old ID) is not empty, 9 or 12 digits")
    if not name or any(ch.isdigit() for ch in name):
        raise _Invalid("chip-ID field 3 (name) is empty or has digits")
    birth = parse_ddmmyyyy(birth_s, "chip-ID birth date")
    issued = parse_ddmmyyyy(issued_s, "chip-ID issue date")
    sex = unicodedata.normalize("NFC", sex_s).casefold()
    if sex not in ("nam", "nữ"):
        raise _Invalid("chip-ID field 5 (sex) is not Nam or Nữ")
    female = sex == "nữ"
    if birth > today or age_on(birth, today) > MAX_AGE:
        raise _Invalid("chip-ID birth date is in the future or implausibly old")
    if issued < birth or issued > today + timedelta(days=1):
        raise _Invalid("chip-ID issue date is before birth or in the future")
    if not 1900 <= birth.year < 2400 or int(id12[3]) != _century_digit(birth.year, female):
        raise _Invalid("chip-ID number's sex/century digit does not match the card's sex and birth year")
    if id12[4:6] != f"{birth.year % 100:02d}":
        raise _Invalid("chip-ID number's year digits do not match the birth year")
    age = age_on(birth, today)
    return CitizenId(id_hash=hash_id(id12, salt), id_masked=mask_id(id12), age=age,
                     is_elderly=age >= ELDERLY_AGE, sex="F" if female else "M")


# -- dossier code ---------------------------------------------------------------
def _dossier_from_match(m: re.Match[str], today: date, source: str) -> DossierCode:
    agency, ymd, seq = m.group(1), m.group(2), m.group(3)
    try:
        day = date(2000 + int(ymd[:2]), int(ymd[2:4]), int(ymd[4:]))
    except ValueError:
        raise _Invalid("dossier code date yyMMdd is not a calendar date") from None
    if day > today + timedelta(days=1):
        raise _Invalid("dossier code date is in the future")
    if int(seq) == 0:
        raise _Invalid("dossier code sequence is 0")
    return DossierCode(code=m.group(0), agency=agency, date=day, seq=int(seq), source=source)


def find_dossier_code(text: str, today: date) -> DossierCode | None:
    """The first valid dossier code in ``text`` (alone, or anywhere inside a receipt QR)."""
    alone = DOSSIER_FULL_RE.fullmatch(text.strip())
    if alone:
        return _dossier_from_match(alone, today, "code")
    last_error: _Invalid | None = None
    for m in DOSSIER_RE.finditer(text):
        try:
            return _dossier_from_match(m, today, "receipt")
        except _Invalid as exc:
            last_error = exc
    if last_error is not None:
        raise last_error
    return None


# -- entry point ----------------------------------------------------------------
def classify(text: str, *, today: date | None = None, salt: bytes | str = DEFAULT_SALT) -> Payload:
    """Classify one scanned payload. Never raises on any input string."""
    today = today or site_today()
    if not isinstance(text, str):
        return Unknown("payload is not text")
    # Some scanners prepend a BOM or an AIM symbology identifier (]Q1 = QR, ]C0 = Code 128).
    stripped = AIM_PREFIX.sub("", text.strip().lstrip("\ufeff"), count=1).strip()
    if not stripped:
        return Unknown("empty payload")
    id_error: _Invalid | None = None
    if re.match(r"\d{12}\|", stripped):
        try:
            return parse_citizen_id(stripped, today, salt)
        except _Invalid as exc:
            id_error = exc  # maybe a receipt QR that starts with the applicant's ID
    m = TICKET_RE.fullmatch(stripped)
    if m:
        return TicketRef(ticket_id=m.group(1), url=stripped)
    try:
        found = find_dossier_code(stripped, today)
    except _Invalid as exc:
        return Unknown(str(id_error or exc))
    if found is not None:
        return found
    if id_error is not None:
        return Unknown(str(id_error))
    if "|" in stripped and re.match(r"\d{9,13}\|", stripped):
        return Unknown("looks like a chip-ID QR but field 1 is not a 12-digit ID number")
    return Unknown(f"not a chip-ID, dossier code or ticket QR ({len(stripped)} characters)")

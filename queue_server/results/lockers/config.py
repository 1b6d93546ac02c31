"""The `[lockers]` section of the site TOML: banks of compartments, deadlines, notices.

The core loader reads the file once and keeps every table (`SiteConfig.sections`);
this module checks its own section and refuses a wrong one with a ConfigError
naming the file, the key and the problem.

    [lockers]
    reminder_after_days = 3      # first reminder when not collected
    return_after_days = 10       # then staff take it back to the counter
    max_failed_tries = 5         # wrong codes for a dossier before each further try must wait …
    try_backoff_s = 60           # … this long, doubling per wrong code (never a lock-out) …
    try_backoff_max_s = 3600     # … up to this
    kiosk_tries_per_minute = 10  # failed attempts per source (device key + address) per minute
    new_code_after_min = 15      # a citizen may have a new code sent to the contact on file this long
                                 # after the last one was issued (no staff needed)
    [lockers.notices]
    channels = ["file"]          # any of file, sms, zalo, email (all that have a recipient)
    sms_url = "https://sms.example.vn/send"   sms_key = "..."
    zalo_url = "https://openapi.zalo.me/v3.0/oa/message/cs"   zalo_key = "..."
    email_url = "smtp://user:pass@mail.example.vn:587?from=ketqua@example.vn"
    outbox_dir = "var/outbox"    # file channel (default: <db dir>/outbox)
    file_keep_hours = 24         # a file-channel message (it carries the code) is deleted after this
    contact_retention_days = 0   # the applicant's phone / e-mail / Zalo id are erased this long after
                                 # the result is handed over (collected or given at the counter)
    [[lockers.banks]]
    kiosk = "result-1"           # id of the result kiosk the bank is attached to
    devices = ["result-1"]       # device keys (by `motcua device add NAME`) that may drive this bank;
                                 # default: the device named like `kiosk`. No other key touches it.
    name = "Tủ trả kết quả – sảnh tầng 1"
    boards = [0, 1]              # compact form: 16 locks per board, sizes per lock
    sizes = "SSSSMMMMMMMMLLLL"
    # or: compartments = [{compartment = 1, board = 0, lock = 0, size = "S"}, ...]
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from queue_server.config import ConfigError

SIZES = ("S", "M", "L")
SIZE_RANK = {size: rank for rank, size in enumerate(SIZES)}  # a result fits its size or larger
CHANNELS = ("file", "sms", "zalo", "email")


@dataclass(frozen=True)
class Compartment:
    number: int
    board: int
    lock: int
    size: str


@dataclass(frozen=True)
class Bank:
    kiosk: str
    name: str
    name_en: str
    compartments: tuple[Compartment, ...]
    inverted_boards: tuple[int, ...] = ()
    devices: tuple[str, ...] = ()   # device names bound to this bank (its kiosk's own key)

    def bound(self, device: str) -> bool:
        return device in (self.devices or (self.kiosk,))


@dataclass(frozen=True)
class NoticeConfig:
    channels: tuple[str, ...] = ("file",)
    outbox_dir: str = ""
    sms_url: str = ""
    sms_key: str = ""
    zalo_url: str = ""
    zalo_key: str = ""
    email_url: str = ""
    max_attempts: int = 8
    retry_base_s: float = 30.0
    file_keep_hours: float = 24.0          # a file-outbox message is deleted this long after it was written
    contact_retention_days: float = 0.0    # phone, e-mail, Zalo id erased this long after the handover


@dataclass(frozen=True)
class LockerConfig:
    banks: dict[str, Bank] = field(default_factory=dict)
    reminder_after_days: float = 3.0
    return_after_days: float = 10.0
    max_failed_tries: int = 5
    kiosk_tries_per_minute: int = 10
    stuck_open_s: float = 120.0
    notices: NoticeConfig = field(default_factory=NoticeConfig)
    try_backoff_s: float = 60.0
    try_backoff_max_s: float = 3600.0
    new_code_after_min: float = 15.0

    def try_wait_s(self, failed_tries: int) -> float:
        """How long after the last wrong code the next try must wait (0: not slowed down yet)."""
        if failed_tries < self.max_failed_tries:
            return 0.0
        return min(self.try_backoff_s * 2 ** min(failed_tries - self.max_failed_tries, 30), self.try_backoff_max_s)

    def bank(self, kiosk: str) -> Bank | None:
        return self.banks.get(kiosk)


def _num(path: Path, table: dict, key: str, default: float, prefix: str, *, integer: bool = False) -> Any:
    value = table.get(key, default)
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds) or value < 0:
        raise ConfigError(path, f"{prefix}{key}", f"expected a {'whole ' if integer else ''}number ≥ 0, got {value!r}")
    return value


def _str(path: Path, table: dict, key: str, default: str, prefix: str) -> str:
    value = table.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(path, f"{prefix}{key}", f"expected a string, got {type(value).__name__}")
    return value


def _compartments(path: Path, bank: dict, where: str) -> tuple[Compartment, ...]:
    out: list[Compartment] = []
    if "compartments" in bank:
        items = bank["compartments"]
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ConfigError(path, f"{where}compartments", "expected an array of tables")
        for n, c in enumerate(items):
            key = f"{where}compartments[{n}]"
            try:
                number, board, lock = int(c["compartment"]), int(c["board"]), int(c["lock"])
            except KeyError as exc:
                raise ConfigError(path, key, f"missing {exc.args[0]!r} (needs compartment, board, lock)") from None
            except (TypeError, ValueError):
                raise ConfigError(path, key, "compartment, board and lock must be whole numbers") from None
            out.append(Compartment(number, board, lock, str(c.get("size", "M")).upper()))
    else:
        boards, sizes = bank.get("boards"), bank.get("sizes", "SSSSMMMMMMMMLLLL")
        if not isinstance(boards, list) or not boards or not all(isinstance(b, int) for b in boards):
            raise ConfigError(path, f"{where}boards", "expected a list of board numbers (or a compartments list)")
        if not isinstance(sizes, str) or len(sizes) != 16:
            raise ConfigError(path, f"{where}sizes", "expected 16 letters S/M/L, one per lock")
        out = [Compartment(i * 16 + lock + 1, b, lock, sizes[lock].upper())
               for i, b in enumerate(boards) for lock in range(16)]
    seen, addresses = set(), set()
    for c in out:
        if c.number < 1 or c.number in seen:
            raise ConfigError(path, f"{where}compartments", f"compartment {c.number} is < 1 or listed twice")
        if not (0 <= c.board <= 15 and 0 <= c.lock <= 15) or (c.board, c.lock) in addresses:
            raise ConfigError(path, f"{where}compartments",
                              f"compartment {c.number}: board {c.board} lock {c.lock} out of 0..15 or used twice")
        if c.size not in SIZES:
            raise ConfigError(path, f"{where}compartments", f"compartment {c.number}: size {c.size!r} not S, M or L")
        seen.add(c.number)
        addresses.add((c.board, c.lock))
    if not out:
        raise ConfigError(path, f"{where}compartments", "a bank needs at least one compartment")
    return tuple(out)


def parse_lockers(data: dict[str, Any], path: Path | str = "<memory>") -> LockerConfig:
    path = Path(path)
    section = data.get("lockers", {})
    if not isinstance(section, dict):
        raise ConfigError(path, "lockers", "expected a table [lockers]")
    p = "lockers."
    notices_t = section.get("notices", {})
    if not isinstance(notices_t, dict):
        raise ConfigError(path, "lockers.notices", "expected a table [lockers.notices]")
    channels = notices_t.get("channels", ["file"])
    if not isinstance(channels, list) or not channels or any(c not in CHANNELS for c in channels):
        raise ConfigError(path, "lockers.notices.channels", f"expected a non-empty list of {', '.join(CHANNELS)}")
    np = "lockers.notices."
    notices = NoticeConfig(tuple(channels), *(_str(path, notices_t, k, "", np) for k in (
        "outbox_dir", "sms_url", "sms_key", "zalo_url", "zalo_key", "email_url")),
        max_attempts=_num(path, notices_t, "max_attempts", 8, np, integer=True),
        retry_base_s=float(_num(path, notices_t, "retry_base_s", 30.0, np)),
        file_keep_hours=float(_num(path, notices_t, "file_keep_hours", 24.0, np)),
        contact_retention_days=float(_num(path, notices_t, "contact_retention_days", 0.0, np)))
    for ch in channels:
        if ch != "file" and not getattr(notices, f"{ch}_url"):
            raise ConfigError(path, f"lockers.notices.{ch}_url", f"channel {ch!r} is listed but has no URL")
    banks: dict[str, Bank] = {}
    items = section.get("banks", [])
    if not isinstance(items, list) or not all(isinstance(b, dict) for b in items):
        raise ConfigError(path, "lockers.banks", "expected an array of tables [[lockers.banks]]")
    for n, b in enumerate(items):
        where = f"lockers.banks[{n}]."
        kiosk = _str(path, b, "kiosk", "", where)
        if not kiosk.strip():
            raise ConfigError(path, f"{where}kiosk", "missing: the id of the result kiosk")
        if kiosk in banks:
            raise ConfigError(path, f"{where}kiosk", f"kiosk {kiosk!r} has two banks; list all compartments in one")
        name = _str(path, b, "name", kiosk, where)
        inverted = b.get("inverted_boards", [])
        devices = b.get("devices", [kiosk])
        if not isinstance(devices, list) or not devices or not all(isinstance(d, str) and d.strip() for d in devices):
            raise ConfigError(path, f"{where}devices", "expected a non-empty list of device names")
        taken = [d for d in devices if any(other.bound(d) for other in banks.values())]
        if taken:
            raise ConfigError(path, f"{where}devices", f"device {taken[0]!r} is already bound to another bank")
        banks[kiosk] = Bank(kiosk, name, _str(path, b, "name_en", name, where), _compartments(path, b, where),
                            tuple(int(x) for x in inverted), tuple(devices))
    cfg = LockerConfig(banks, float(_num(path, section, "reminder_after_days", 3.0, p)),
                       float(_num(path, section, "return_after_days", 10.0, p)),
                       _num(path, section, "max_failed_tries", 5, p, integer=True),
                       _num(path, section, "kiosk_tries_per_minute", 10, p, integer=True),
                       float(_num(path, section, "stuck_open_s", 120.0, p)), notices,
                       float(_num(path, section, "try_backoff_s", 60.0, p)),
                       float(_num(path, section, "try_backoff_max_s", 3600.0, p)),
                       float(_num(path, section, "new_code_after_min", 15.0, p)))
    if cfg.return_after_days and cfg.return_after_days <= cfg.reminder_after_days:
        raise ConfigError(path, "lockers.return_after_days", "must be later than reminder_after_days")
    if cfg.max_failed_tries < 1:
        raise ConfigError(path, "lockers.max_failed_tries", "must be ≥ 1")
    return cfg


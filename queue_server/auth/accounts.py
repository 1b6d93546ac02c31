"""Staff accounts, sessions and device keys. Only hashes are stored.

Passwords: hashlib.scrypt (a standard memory-hard KDF) with a random salt.
Session tokens and device keys are 32 random bytes, so a SHA-256 of them is
enough to store (nobody can brute-force 256 bits), and lookups stay O(1).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from datetime import datetime
from typing import Any

from queue_server.clock import to_ts
from queue_server.errors import RuleError
from queue_server.store import Store

from queue_server.auth import throttle
from queue_server.auth.roles import DEVICE_ROLES, STAFF_ROLES  # noqa: F401 (re-exported)
SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **SCRYPT)
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt)}${b64(digest)}"


def verify_password(password: str, stored: str) -> bool:
    try:
        _, n, r, p, salt, digest = stored.split("$")
        got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r),
                             p=int(p), dklen=32)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, base64.b64decode(digest))


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_username(username: str) -> str:
    """NFC form of a user name; ValueError unless it is 1–64 Latin letters (Vietnamese
    diacritics included), digits and . _ - (Cyrillic "а", full-width or invisible
    characters would make a name that reads like another one)."""
    name = unicodedata.normalize("NFC", username.strip())
    if not 1 <= len(name) <= 64:
        raise ValueError("username must have 1 to 64 characters")
    for ch in name:
        if not (ch in "._-" or "0" <= ch <= "9" or unicodedata.name(ch, "").startswith("LATIN ")):
            raise ValueError(f"username may hold only Latin letters, digits and . _ - (not {ch!r})")
    return name


def username_skeleton(name: str) -> str:
    """What a name looks like to a reader: no diacritics, no case ("Cán.bộ" ~ "can.bo")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("đ", "d")


def add_user(store: Store, username: str, role: str, password: str, now: datetime | None = None,
             display_name: str | None = None) -> int:
    username = normalise_username(username)
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}, got {role!r}")
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    ts = to_ts(now) if now else datetime.now().timestamp()
    hashed = hash_password(password)
    with store.write() as tx:
        skeleton = username_skeleton(username)
        for (other,) in tx.execute("SELECT username FROM staff WHERE username != ?", (username,)).fetchall():
            if username_skeleton(other) == skeleton:
                raise ValueError(f"username {username!r} looks like the existing {other!r}: choose another")
        # display name: what citizens read (rating tablet, counter); kept when not given again
        cur = tx.execute("INSERT INTO staff (username, role, password_hash, created_ts, display_name) "
                         "VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET role=excluded.role, "
                         "password_hash=excluded.password_hash, active=1, "
                         "display_name=COALESCE(excluded.display_name, staff.display_name) RETURNING id",
                         (username, role, hashed, ts, (display_name or "").strip() or None))
        staff_id = cur.fetchone()[0]
        # A new password (a reset: maybe the old one leaked) ends every session opened with the old
        # one, and lifts a lock left by wrong guesses.
        tx.execute("DELETE FROM sessions WHERE staff_id = ?", (staff_id,))
        throttle.clear(tx, username)
    store.memo.clear()
    return staff_id


def add_device(store: Store, name: str, role: str, now: datetime | None = None) -> str:
    """Register (or re-key) a device; returns the clear key, which is never stored."""
    if role not in DEVICE_ROLES:
        raise ValueError(f"role must be one of {', '.join(DEVICE_ROLES)}, got {role!r}")
    key = "dk_" + secrets.token_urlsafe(32)
    ts = to_ts(now) if now else datetime.now().timestamp()
    with store.write() as tx:
        tx.execute("INSERT INTO devices (name, role, key_hash, created_ts) VALUES (?, ?, ?, ?) "
                   "ON CONFLICT(name) DO UPDATE SET role=excluded.role, key_hash=excluded.key_hash, active=1",
                   (name, role, secret_hash(key), ts))
    return key


def revoke_device(store: Store, name: str) -> None:
    """A lost or stolen kiosk's key stops working (a running server: within CACHE_SECONDS).
    `add_device` with the same name gives the device a new key."""
    with store.write() as tx:
        if tx.execute("UPDATE devices SET active = 0 WHERE name = ?", (name,)).rowcount == 0:
            raise ValueError(f"no device named {name!r}")
    store.memo.clear()


def disable_user(store: Store, username: str) -> None:
    """The account can no longer log in and its sessions end (a running server: within
    CACHE_SECONDS). `add_user` with the same name enables it again with a new password."""
    with store.write() as tx:
        row = tx.execute("UPDATE staff SET active = 0 WHERE username = ? RETURNING id", (username,)).fetchone()
        if row is None:
            raise ValueError(f"no staff account named {username!r}")
        tx.execute("DELETE FROM sessions WHERE staff_id = ?", (row[0],))
    store.memo.clear()


def check_password(store: Store, username: str, password: str, now: datetime,
                   source: str | None = None) -> tuple[str, dict[str, Any] | None]:
    """(normalised name, the staff row if the password is right, else None). Reads only, and takes
    tens of ms (scrypt): off the event loop. Refuses (429 / 423) a throttled or locked name or source
    whatever the password (`throttle`)."""
    username = unicodedata.normalize("NFC", username.strip())  # as stored by add_user
    if source:
        source_brake(store).check(source)
    throttle.check(store, username, now)
    row = store.one("SELECT id, role, password_hash FROM staff WHERE username = ? AND active = 1", (username,))
    return username, row if row is not None and verify_password(password, row["password_hash"]) else None


def record_login(store: Store, username: str, row: dict[str, Any] | None, now: datetime, ttl_hours: float,
                 source: str | None = None) -> dict[str, Any] | None:
    """The write half of a sign-in: a session for a checked row, or the wrong guess counted (None)."""
    if row is None:
        throttle.failed(store, username, now)
        if source:
            source_brake(store).failed(source)
        return None
    token = "st_" + secrets.token_urlsafe(32)
    ts = to_ts(now)
    expires = ts + ttl_hours * 3600
    with store.write() as tx:
        throttle.clear(tx, username)
        tx.execute("DELETE FROM sessions WHERE expires_ts < ?", (ts,))
        tx.execute("INSERT INTO sessions VALUES (?, ?, ?, ?)", (secret_hash(token), row["id"], ts, expires))
    return {"token": token, "role": row["role"], "username": username, "expires_ts": expires}


WRONG_LOGIN = ("unauthenticated", "Sai tên đăng nhập hoặc mật khẩu", "Wrong username or password")


def login(store: Store, username: str, password: str, now: datetime, ttl_hours: float,
          source: str | None = None) -> dict[str, Any]:
    """A session for the right password (blocking form: scripts and tests)."""
    username, row = check_password(store, username, password, now, source)
    out = record_login(store, username, row, now, ttl_hours, source)
    if out is None:
        raise RuleError(*WRONG_LOGIN)
    return out


async def sign_in(store: Store, username: str, password: str, now: datetime, ttl_hours: float,
                  source: str | None = None) -> dict[str, Any]:
    """`login` for routes: the password checked on the thread pool, the write in the store's group
    commit on the event loop (the one writer path)."""
    from starlette.concurrency import run_in_threadpool
    username, row = await run_in_threadpool(check_password, store, username, password, now, source)
    out = await store.run(lambda: record_login(store, username, row, now, ttl_hours, source))
    if out is None:
        raise RuleError(*WRONG_LOGIN)
    return out


def source_brake(store: Store) -> throttle.SourceBrake:
    """Failed logins per client address, kept with the store (one per server process)."""
    brake = getattr(store, "login_brake", None)
    if brake is None:
        brake = store.login_brake = throttle.SourceBrake()
    return brake


def logout(store: Store, token: str) -> None:
    with store.write() as tx:
        tx.execute("DELETE FROM sessions WHERE token_hash = ?", (secret_hash(token),))
        store.memo.clear()


def lookup(store: Store, secret: str, now_ts: float) -> dict[str, Any] | None:
    """Who holds this bearer secret: {kind, id, name, role} or None.

    Answers are kept for CACHE_SECONDS (a kiosk sends its key on every request);
    a revoked key or ended session is refused at most that long afterwards.
    """
    h = secret_hash(secret)
    # One entry per secret, renewed each bucket (a key per bucket piled up to Memo.MAX_ENTRIES).
    return store.memo.get_stamped(("auth", h), int(now_ts // CACHE_SECONDS), lambda: _lookup(store, h, secret, now_ts))


CACHE_SECONDS = 10


def _lookup(store: Store, h: str, secret: str, now_ts: float) -> dict[str, Any] | None:
    if secret.startswith("dk_"):
        row = store.one("SELECT id, name, role FROM devices WHERE key_hash = ? AND active = 1", (h,))
        return {"kind": "device", **row} if row else None
    row = store.one("SELECT s.id, s.username AS name, s.role FROM sessions x JOIN staff s ON s.id = x.staff_id "
                    "WHERE x.token_hash = ? AND x.expires_ts > ? AND s.active = 1", (h, now_ts))
    return {"kind": "staff", **row} if row else None


DEMO_STAFF = {"canbo": ("officer", "canbo-demo-1"), "giamsat": ("supervisor", "giamsat-demo-1"),
              "quantri": ("admin", "quantri-demo-1")}


def ensure_demo_accounts(store: Store) -> dict[str, Any]:
    """Demo staff (known passwords) and fresh kiosk/display keys, for `make demo` to print.
    Never use on a real center: the passwords are public."""
    for name, (role, password) in DEMO_STAFF.items():
        add_user(store, name, role, password)
    keys = {role: add_device(store, f"demo-{role}", role) for role in DEVICE_ROLES}
    return {"staff": [{"username": n, "role": r, "password": p} for n, (r, p) in DEMO_STAFF.items()],
            "devices": [{"name": f"demo-{role}", "role": role, "key": k} for role, k in keys.items()]}

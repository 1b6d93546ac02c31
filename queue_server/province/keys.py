"""Province keys: one per site (writes that site's rows only) and viewer keys (the dashboard).

A key is shown once when made (`motcua province site add NAME`); only its SHA-256 is kept
(a random 32-byte secret needs no slow hash).
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

import psycopg

from queue_server.auth.accounts import secret_hash
from queue_server.config import CODE

ROLES = ("site", "viewer")


@dataclass(frozen=True)
class ProvinceKey:
    name: str
    role: str


def add_key(conn: psycopg.Connection, name: str, role: str, now_ts: float) -> str:
    """Make (or replace) the key of `name`; a site also gets its row in `sites`."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not CODE.match(name):
        raise ValueError(f"{name!r}: lowercase letters, digits, '-' or '_' (≤ 32) / tên không hợp lệ")
    key = f"prov_{secrets.token_urlsafe(32)}"
    with conn.transaction():
        old = conn.execute("SELECT role FROM province_keys WHERE name = %s", (name,)).fetchone()
        if old and old[0] != role:
            raise ValueError(f"{name!r} is already a {old[0]} key / đã là khóa {old[0]}")
        conn.execute("INSERT INTO province_keys (name, role, key_hash, created_ts) VALUES (%s, %s, %s, %s) "
                     "ON CONFLICT (name) DO UPDATE SET key_hash = excluded.key_hash, active = true",
                     (name, role, secret_hash(key), now_ts))
        if role == "site":
            conn.execute("INSERT INTO sites (site) VALUES (%s) ON CONFLICT DO NOTHING", (name,))
    return key


def lookup(conn: psycopg.Connection, key: str) -> ProvinceKey | None:
    row = conn.execute("SELECT name, role FROM province_keys WHERE key_hash = %s AND active",
                       (secret_hash(key),)).fetchone()
    return ProvinceKey(*row) if row else None

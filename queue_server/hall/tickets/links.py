"""The citizen's ticket link: `{public_url}/t/{token}`, never the ticket id.

The token is the ticket id under a keyed 64-bit permutation (a 4-round Feistel
network with keyed-BLAKE2b rounds) followed by a 128-bit keyed-BLAKE2b tag of that block,
all under one random per-database key (schema m007). So a token is unguessable
(forging one means guessing the 128-bit tag), reveals nothing about the id or
how many tickets were issued, and costs no row, no index and no write on the
ticket hot path: the server recomputes it whenever it is needed.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import weakref
from typing import Any

TAG_BYTES = 16            # 128 bits of unguessability
TOKEN_LEN = 32            # base64url of 8 + 16 bytes, no padding
_KEYS: "weakref.WeakKeyDictionary[Any, bytes]" = weakref.WeakKeyDictionary()


def link_key(store: Any) -> bytes:
    """The store's link key (read once per store)."""
    key = _KEYS.get(store)
    if key is None:
        key = _KEYS[store] = bytes(store.db.execute("SELECT key FROM ticket_link_key WHERE id = 1").fetchone()[0])
    return key


def _round(key: bytes, n: int, half: int) -> int:
    # keyed BLAKE2b: a MAC in one C call (HMAC-SHA256 from Python costs ~10x more per ticket)
    mac = hashlib.blake2b(half.to_bytes(4, "big"), key=key, digest_size=4, person=b"round%d" % n).digest()
    return int.from_bytes(mac, "big")


def _permute(key: bytes, value: int, inverse: bool = False) -> int:
    left, right = value >> 32, value & 0xFFFFFFFF
    rounds = range(4)
    if not inverse:
        for n in rounds:
            left, right = right, left ^ _round(key, n, right)
        return (left << 32) | right
    for n in reversed(rounds):
        left, right = right ^ _round(key, n, left), left
    return (left << 32) | right


def _tag(key: bytes, block: bytes) -> bytes:
    return hashlib.blake2b(block, key=key, digest_size=TAG_BYTES, person=b"ticket-link").digest()


def token_for(key: bytes, ticket_id: int) -> str:
    block = _permute(key, ticket_id).to_bytes(8, "big")
    return base64.urlsafe_b64encode(block + _tag(key, block)).decode().rstrip("=")


def ticket_id_for(key: bytes, token: str) -> int | None:
    """The ticket id a token stands for, or None for anything that is not a token we made."""
    if len(token) != TOKEN_LEN:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    block, tag = raw[:8], raw[8:]
    if len(tag) != TAG_BYTES or not hmac.compare_digest(tag, _tag(key, block)):
        return None
    return _permute(key, int.from_bytes(block, "big"), inverse=True)


def status_url(base: str, key: bytes, ticket_id: int) -> str:
    return f"{base.rstrip('/')}/t/{token_for(key, ticket_id)}"

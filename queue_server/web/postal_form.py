"""The "receive your result by post" section of the citizen's phone pages (ticket, booking).

The page only carries where to send the request (its own link: /api/v1/t/{token} or
/api/v1/appointments/{code}) and the words in both languages; static/postal.js (ES5) does
the two steps against queue_server.results.postal.citizen.
"""
from __future__ import annotations

from typing import Any

from queue_server.web.i18n import LANGS, STRINGS

KEYS = [k for k in STRINGS if k.startswith("postal_")]


def postal_context(lang: str, base: str) -> dict[str, Any]:
    strings = {code: {k: STRINGS[k][n] for k in KEYS} for n, code in enumerate(LANGS)}
    return {"base": base, "lang": lang, "strings": strings, "s": strings[lang]}

"""User-facing text through gettext catalogs (msgids are English; Vietnamese is the default).

Catalogs are the ``.po`` files under ``kiosk_app/locale``; they are read with
Babel at start-up (a few hundred strings, a few milliseconds), so there is no
compile step to forget. A missing translation falls back to the msgid.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "kiosk"


@lru_cache(maxsize=None)
def catalog(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return {}
    with path.open("rb") as fh:
        po = read_po(fh, locale=lang)
    return {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}


def gettext(message: str, lang: str) -> str:
    return catalog(lang).get(message, message)


def tr(message: str, lang: str, **values: object) -> str:
    text = gettext(message, lang)
    return text.format(**values) if values else text


def other_language(lang: str) -> str:
    return "en" if lang == "vi" else "vi"


def N_(message: str) -> str:
    """Mark a msgid for extraction where it is stored, translated later."""
    return message


def pick_language(message: str, lang: str) -> str:
    """The server's messages are "Vietnamese / English": keep the citizen's half."""
    parts = [p.strip() for p in message.split(" / ")]
    if len(parts) == 2:
        return parts[1] if lang == "en" else parts[0]
    return message

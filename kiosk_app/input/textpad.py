"""The kiosk's Vietnamese text keyboard (no Kivy): keys as data, one way to type.

Names and addresses need Vietnamese letters. A kiosk has no input method, so the keyboard
carries the marks itself: after typing a word's letters the citizen taps a shape key
(â/ê/ô, ă, ơ/ư) and a tone key (sắc á, huyền à, hỏi ả, ngã ã, nặng ạ) and the mark lands
on the right vowel of that word, as a Telex user expects: "nguyen" + ê + ã → "nguyễn".
Tapping the same mark again takes it off. The text is always NFC (one code point per letter).
"""
from __future__ import annotations

import unicodedata

HAT, BREVE, HORN = "\u0302", "\u0306", "\u031b"
TONES = {"tone:sac": "\u0301", "tone:huyen": "\u0300", "tone:hoi": "\u0309", "tone:nga": "\u0303",
         "tone:nang": "\u0323"}
SHAPES = {"mark:hat": (HAT, "aeo"), "mark:breve": (BREVE, "a"), "mark:horn": (HORN, "ou")}
LABELS = {"tone:sac": "á", "tone:huyen": "à", "tone:hoi": "ả", "tone:nga": "ã", "tone:nang": "ạ",
          "mark:hat": "â ê ô", "mark:breve": "ă", "mark:horn": "ơ ư"}
VOWELS = set("aeiouy")
ROWS = (tuple("1234567890") + ("/",),
        tuple("qwertyuiop") + ("đ",),
        tuple("asdfghjkl") + (",", "."),
        ("shift",) + tuple("zxcvbnm") + ("-", "back"),
        ("mark:hat", "mark:breve", "mark:horn", "tone:sac", "tone:huyen", "tone:hoi", "tone:nga", "tone:nang",
         "space", "next"))
TEXT_KEYS = tuple(k for row in ROWS for k in row) + ("clear",)   # "clear" sits beside the send button
WIDE = {"shift": 1.6, "back": 1.3, "space": 2.0}                   # keys wider than a letter
PHONE_KEYS = tuple("123456789") + ("back", "0", "clear")
MAX_TEXT = 300


def _base(ch: str) -> str:
    """The bare Latin letter under a Vietnamese one: "ễ" → "e", "đ" → "đ"."""
    return unicodedata.normalize("NFD", ch)[0].lower()


def _marks(ch: str) -> str:
    return unicodedata.normalize("NFD", ch)[1:]


def _compose(base: str, marks: str) -> str:
    # shape marks before the tone: the canonical order NFC composes from
    ordered = "".join(m for m in marks if m in (HAT, BREVE, HORN)) + "".join(m for m in marks if m not in (HAT, BREVE, HORN))
    return unicodedata.normalize("NFC", base + ordered)


def _word_start(text: str) -> int:
    i = len(text)
    while i > 0 and text[i - 1].isalpha():
        i -= 1
    return i


def _cluster(word: str) -> list[int]:
    """Indexes of the word's vowel group (the last one), "gi"/"qu" counted as consonants."""
    idx = [i for i, ch in enumerate(word) if _base(ch) in VOWELS]
    if not idx:
        return []
    group = [idx[-1]]
    for i in reversed(idx[:-1]):
        if i == group[0] - 1:
            group.insert(0, i)
        else:
            break
    lead = word[:group[0]].lower()
    if len(group) > 1 and ((lead.endswith("q") and _base(word[group[0]]) == "u") or
                           (lead.endswith("g") and _base(word[group[0]]) == "i")):
        group = group[1:]
    return group


def _tone_at(word: str) -> int | None:
    """Where the tone goes: the shaped vowel (ơ of ươ), else before a final consonant the last
    vowel, else in a three-vowel group the middle, else the first ("hòa", "thủy", "mùa")."""
    group = _cluster(word)
    if not group:
        return None
    shaped = [i for i in group if set(_marks(word[i])) & {HAT, BREVE, HORN}]
    if shaped:
        return shaped[-1]
    if group[-1] < len(word) - 1 or len(group) == 1:
        return group[-1]
    return group[1] if len(group) == 3 else group[0]


def _replace(text: str, at: int, ch: str) -> str:
    return text[:at] + ch + text[at + 1:]


def _shape(text: str, mark: str, takes: str) -> str:
    start = _word_start(text)
    word = text[start:]
    spots = [i for i, ch in enumerate(word) if _base(ch) in takes]
    if not spots:
        return text
    i = spots[-1]
    if mark == HORN and i > 0 and _base(word[i]) == "o" and _base(word[i - 1]) == "u":
        spots = [i - 1, i]          # "uo" + horn → "ươ"
    else:
        spots = [i]
    undo = all(mark in _marks(word[j]) for j in spots)
    for j in spots:
        ch = word[j]
        kept = "".join(m for m in _marks(ch) if m not in (HAT, BREVE, HORN))
        new = _compose(unicodedata.normalize("NFD", ch)[0], kept + ("" if undo else mark))
        word = _replace(word, j, new)
    return text[:start] + word


def _tone(text: str, mark: str) -> str:
    start = _word_start(text)
    word = text[start:]
    i = _tone_at(word)
    if i is None:
        return text
    for j in _cluster(word):   # one tone per word: take any other off
        if j != i:
            ch = word[j]
            word = _replace(word, j, _compose(unicodedata.normalize("NFD", ch)[0],
                                              "".join(m for m in _marks(ch) if m not in TONES.values())))
    ch = word[i]
    marks = _marks(ch)
    kept = "".join(m for m in marks if m not in TONES.values())
    new = _compose(unicodedata.normalize("NFD", ch)[0], kept + ("" if mark in marks else mark))
    return text[:start] + _replace(word, i, new)


def edit(text: str, key: str, *, upper: bool = False, max_length: int = MAX_TEXT) -> str:
    """`text` after a key of `TEXT_KEYS` / `PHONE_KEYS`; `upper`: the shift is on for this letter."""
    if key == "back":
        return text[:-1]
    if key == "clear":
        return ""
    if key in TONES:
        return _tone(text, TONES[key])
    if key in SHAPES:
        return _shape(text, *SHAPES[key])
    if key == "space":
        key = " "
        if not text or text.endswith(" "):
            return text
    if len(key) != 1 or len(text) >= max_length:
        return text
    return text + (key.upper() if upper else key)


def label(key: str, upper: bool = False) -> str:
    """What a letter or mark key shows (upper case while shifted); word keys are the screen's to name."""
    if key in LABELS:
        return LABELS[key]
    return key.upper() if upper and len(key) == 1 else key

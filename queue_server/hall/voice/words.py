"""What the hall voice says: Vietnamese number reading and the call phrase.

Decision (documented in queue_server/web/README.md): a ticket number is read the way it is
printed — the service letter(s), then each digit — so «A012» is said
"A không một hai". Halls read ticket numbers digit by digit because the
leading zeros are on the ticket and on the board; reading "A mười hai" would
not match what the citizen holds. A counter number is a quantity on a sign,
so it is read as a cardinal: 5 "năm", 15 "mười lăm", 21 "hai mươi mốt",
25 "hai mươi lăm", 105 "một trăm linh năm" (northern "linh", the espeak
``vi`` voice is northern).

Pure functions only: the WAV side lives in voice_audio.py, the HTTP route in voice.py.
"""
from __future__ import annotations

import re

DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

# Vietnamese names of Latin letters as a caller says them; espeak-ng's vi
# voice reads a bare capital "A" well but mangles lone consonants, so spell them.
# G is "gờ", not "giê": in the northern voice "giê" and "dê" (D) sound the same
# (/ze/), and a hall must never confuse two services. J is written "di" because
# espeak drops the vowel of "gi". A test checks that no two letters sound alike.
LETTERS = {
    "A": "a", "B": "bê", "C": "xê", "D": "dê", "Đ": "đê", "E": "e", "F": "ép",
    "G": "gờ", "H": "hát", "I": "i", "J": "di", "K": "ca", "L": "e lờ",
    "M": "em mờ", "N": "en nờ", "O": "o", "P": "pê", "Q": "quy", "R": "e rờ",
    "S": "ét", "T": "tê", "U": "u", "V": "vê", "W": "vê kép", "X": "ích",
    "Y": "i dài", "Z": "dét",
}

TICKET_RE = re.compile(r"^[A-ZĐ]{1,3}[0-9]{1,5}$")
COUNTER_RE = re.compile(r"^[0-9A-ZĐ]{1,6}$")

SCALES = ("", "nghìn", "triệu", "tỷ")


def _read_tens_units(tens: int, units: int, *, after_hundred: bool) -> list[str]:
    """Two last digits of a group; ``after_hundred`` means a hundred (or a
    zero hundred) was said before, so a lone unit gets "linh" (105 → một trăm linh năm)."""
    words: list[str] = []
    if tens == 0:
        if units == 0:
            return words
        if after_hundred:
            words.append("linh")
        words.append(DIGITS[units])
        return words
    if tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
        return words
    words += [DIGITS[tens], "mươi"]
    if units == 1:
        words.append("mốt")
    elif units == 5:
        words.append("lăm")
    elif units:
        words.append(DIGITS[units])
    return words


def _read_group(n: int, *, full: bool) -> list[str]:
    """0 < n < 1000. ``full``: a higher group was said, so read the zero
    hundreds too (1005 → một nghìn không trăm linh năm)."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGITS[hundreds], "trăm"]
    words += _read_tens_units(tens, units, after_hundred=bool(hundreds or full))
    return words


def read_number(n: int) -> str:
    """A non-negative integer as Vietnamese words (cardinal, northern usage)."""
    if n < 0:
        raise ValueError(f"negative number: {n}")
    if n == 0:
        return DIGITS[0]
    groups: list[int] = []
    while n:
        n, g = divmod(n, 1000)
        groups.append(g)
    if len(groups) > len(SCALES):
        raise ValueError("number too large to read")
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _read_group(group, full=bool(words))
        if SCALES[index]:
            words.append(SCALES[index])
    return " ".join(words)


def read_digits(digits: str) -> str:
    """Digits one by one: "012" → "không một hai"."""
    if not digits.isdigit() or not digits.isascii():
        raise ValueError(f"not digits: {digits!r}")
    return " ".join(DIGITS[int(d)] for d in digits)


def read_ticket(number: str) -> str:
    """A ticket number as printed: letters spelled, digits one by one.
    "A012" → "A không một hai" (the letter A is kept as a capital; espeak says it right)."""
    number = number.strip().upper()
    if not TICKET_RE.match(number):
        raise ValueError(f"not a ticket number: {number!r}")
    letters = number.rstrip("0123456789")
    spoken = [letter if letter == "A" else LETTERS[letter] for letter in letters]
    return " ".join(spoken + [read_digits(number[len(letters):])])


def read_counter(counter: str | int) -> str:
    """A counter as on its sign: a plain number is read as a cardinal
    (21 → "hai mươi mốt"); a code such as "B2" is spelled then read."""
    text = str(counter).strip().upper()
    if not COUNTER_RE.match(text):
        raise ValueError(f"not a counter number: {counter!r}")
    if text.isdigit():
        return read_number(int(text))
    parts = re.findall(r"[0-9]+|[A-ZĐ]", text)
    return " ".join(read_number(int(p)) if p.isdigit() else LETTERS[p] for p in parts)


def call_phrase(ticket: str, counter: str | int, lang: str = "vi") -> str:
    """The sentence spoken for a call, ready for the speech engine."""
    if lang == "en":
        ticket = ticket.strip().upper()
        if not TICKET_RE.match(ticket):
            raise ValueError(f"not a ticket number: {ticket!r}")
        if not COUNTER_RE.match(str(counter).strip().upper()):
            raise ValueError(f"not a counter number: {counter!r}")
        spelled = " ".join(ticket)
        return f"Ticket number {spelled}, please come to counter {str(counter).strip()}."
    return f"Xin mời công dân có số thứ tự {read_ticket(ticket)} đến quầy số {read_counter(counter)}."


def display_phrase(ticket: str, counter: str | int) -> str:
    """The same sentence as people read it on the board (digits kept)."""
    return f"Xin mời công dân có số thứ tự {ticket.strip().upper()} đến quầy số {str(counter).strip()}"

"""Bounds for every number, date and name the API accepts, checked at the edge.

SQLite's INTEGER stops at 2^63-1 and `datetime.timestamp()` overflows near year 1:
unbounded values reached the store and answered 500. These types turn them into
a 422 (and publish the bounds in OpenAPI). Use them in path, query and body alike:
`ticket_id: RowId`, `limit: Annotated[int, Field(ge=1, le=1000)] = 200`.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

#: Row ids, counts: exact in JavaScript (the web pages read them) and far inside SQLite's INTEGER.
MAX_ID = 2**53 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
#: A compartment number in a locker bank (a bank has a few hundred doors at most).
MAX_COMPARTMENTS = 1000
CompartmentNo = Annotated[int, Field(ge=1, le=MAX_COMPARTMENTS)]

EARLIEST, LATEST = date(2000, 1, 1), date(2100, 12, 31)


def _date_in_range(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"date must be between {EARLIEST} and {LATEST}")
    return value


#: A date or moment a center could mean: the years 2000–2100 (year 1 overflowed timestamps).
Day = Annotated[date, AfterValidator(_date_in_range)]
Moment = Annotated[datetime, AfterValidator(_date_in_range)]

# C0/C1 controls (NUL…), and the bidi embedding / override / isolate marks that make a
# name display as something else ("Nguyễn\u202eAVN" shows reversed).
_FORBIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


def clean_text(value: str) -> str:
    """NFC, and no control or bidi characters (they hide or reorder what a person reads)."""
    if _FORBIDDEN.search(value):
        raise ValueError("control or bidirectional characters are not allowed")
    return unicodedata.normalize("NFC", value)


#: A name or free text shown to people: NFC, no NUL, no bidi controls.
CleanText = Annotated[str, AfterValidator(clean_text)]

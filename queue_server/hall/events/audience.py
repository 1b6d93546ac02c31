"""Who may hear which event, and what an anonymous listener hears.

Anonymous listeners (a hall TV without a key, anyone on the network) get only what a hall
display shows: ticket numbers, services, counters, calls and waiting counts. Priority groups,
ticket ids and times, staff names, dossier codes, notices, locker events, device faults and
ratings need a role:

- ticket / queue / counter events in full: any staff session or device key;
- rating events: staff, or a rating tablet;
- dossier, notice, locker and device events: staff (officer and above).
"""
from __future__ import annotations

from typing import Any

from queue_server.hall.tickets.view import public_ticket

PUBLIC_PREFIXES = ("ticket.", "queue.", "counter.")
COUNTER_KEYS = ("code", "name", "name_en", "services", "state")
QUEUE_KEYS = ("service", "waiting", "estimated_wait_min")


def allowed(who: Any, type_: str) -> bool:
    """May this principal (None: anonymous) hear events of this type in full?"""
    if who is None:
        return False
    if type_.startswith(PUBLIC_PREFIXES):
        return True
    if type_.startswith("rating."):
        return who.kind == "staff" or who.role == "rating"
    return who.kind == "staff"


def public_view(msg: dict[str, Any]) -> dict[str, Any] | None:
    """The hall-display subset of an event, or None when anonymous listeners get nothing of it."""
    type_ = msg["type"]
    if not type_.startswith(PUBLIC_PREFIXES):
        return None
    out = {"type": type_, "seq": msg["seq"], "at": msg["at"]}
    if type_.startswith("queue."):
        out.update((k, msg[k]) for k in QUEUE_KEYS if k in msg)
        return out
    counter = msg.get("counter")
    if isinstance(counter, dict):
        out["counter"] = {k: counter.get(k) for k in COUNTER_KEYS}
    elif isinstance(counter, str):
        out["counter"] = counter
    ticket = msg.get("ticket")
    if isinstance(ticket, dict):
        out["ticket"] = public_ticket(ticket)
    return out

"""Queue rules, the counter side: call the next ticket, then recall, start, finish, mark no-show,
cancel or transfer it; pause or resume a counter. Plain functions over the store; every change
is one write transaction that appends to ticket_events and emits an event after COMMIT.

waiting → called → serving → done; a recall after max_recalls is a no-show; a transfer ends the
ticket and issues one in the other service with the same number and arrival time.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from queue_server.clock import service_day, to_ts
from queue_server.config import SiteConfig
from queue_server.hall.counters.presence import claim, counter_rows, touch
from queue_server.errors import RuleError
from queue_server.store import Store, Tx
from queue_server.hall.tickets.ordering import Candidate, Rule
from queue_server.hall.tickets.rules import get_ticket, insert_ticket, log_event, queue_changed
from queue_server.hall.tickets.view import counter_json


def _counter(tx_or_db: Any, site: SiteConfig, code: str) -> dict[str, Any]:
    if code not in site.counters:
        raise RuleError("unknown_counter", f"Không có quầy '{code}'", f"Unknown counter '{code}'")
    row = tx_or_db.execute("SELECT code, state FROM counters WHERE code = ?", (code,)).fetchone()
    return {"code": row[0], "state": row[1]}


def call_next(store: Store, site: SiteConfig, now: datetime, counter: str, *, actor: str | None = None,
              finish_current: bool = True) -> dict[str, Any] | None:
    ts, day = to_ts(now), service_day(now, site.tz)
    k = site.counters.get(counter)
    with store.write() as tx:
        if _counter(tx, site, counter)["state"] == "paused":
            raise RuleError("counter_paused", f"Quầy {counter} đang tạm dừng", f"Counter {counter} is paused")
        if actor and actor.startswith("staff:"):  # an officer who calls works here: signed in (or refused)
            claim(tx, site, counter, actor, ts)
        if finish_current:
            for (tid,) in tx.execute("SELECT id FROM tickets WHERE counter = ? AND state IN ('called', 'serving')",
                                     (counter,)).fetchall():
                current = get_ticket(tx.db.conn, tid)
                if current["state"] == "serving":
                    _finish(tx, site, current, ts, actor)
                else:  # called but never started: the visitor did not come; not a service
                    _unstarted(tx, site, current, ts, actor)
        chosen = pick_next(tx.db.conn, site, day, k.services, ts, k.priority)
        if chosen is None:
            return None
        tx.execute("UPDATE tickets SET state = 'called', counter = ?, called_ts = ? WHERE id = ? AND state = 'waiting'",
                   (counter, ts, chosen))
        ticket = get_ticket(tx.db.conn, chosen)
        log_event(tx, site, ticket, "called", ts, actor, counter)
        queue_changed(tx, site, ticket["service"], day, ts=ts)
    return ticket


def pick_next(db: Any, site: SiteConfig, day: str, services: tuple[str, ...], now_ts: float,
              priority_counter: bool) -> int | None:
    """Id of the ticket the calling rule (ordering.Rule.pick) gives this counter.

    Within one service and one priority group the rule's key grows with arrival, so
    the winner is among each (service, group)'s earliest ticket: SQLite finds those
    heads by index seeks, and the real rule chooses among them in Python.
    """
    heads = [Candidate(*row) for row in db.execute(*_heads_sql(site, day, services))]
    chosen = Rule.from_site(site).pick(heads, services, now_ts, priority_counter)
    return chosen.id if chosen else None


def _heads_sql(site: SiteConfig, day: str, services: tuple[str, ...]) -> tuple[str, list[Any]]:
    base = ("SELECT * FROM (SELECT id, service, priority, arrived_ts FROM tickets WHERE day = ? AND service = ? "
            "AND state = 'waiting' AND {cond} ORDER BY arrived_ts, id LIMIT 1)")
    groups = list(site.priority_groups)
    others = "priority IS NOT NULL" + (f" AND priority NOT IN ({', '.join('?' * len(groups))})" if groups else "")
    parts, params = [], []
    for service in services:
        parts.append(base.format(cond="priority IS NULL"))
        params += [day, service]
        for group in groups:
            parts.append(base.format(cond="priority = ?"))
            params += [day, service, group]
        parts.append(base.format(cond=others))  # groups no longer in the config still get called
        params += [day, service, *groups]
    return " UNION ALL ".join(parts), params


def _require(ticket: dict, states: tuple[str, ...], action_vi: str, action_en: str) -> None:
    if ticket["state"] not in states:
        raise RuleError("invalid_state",
                        f"Không thể {action_vi} số {ticket['number']} ở trạng thái '{ticket['state']}'",
                        f"Cannot {action_en} ticket {ticket['number']} in state '{ticket['state']}'")


def _finish(tx: Tx, site: SiteConfig, ticket: dict, ts: float, actor: str | None) -> dict:
    tx.execute("UPDATE tickets SET state = 'done', finished_ts = ? WHERE id = ?", (ts, ticket["id"]))
    tx.store.memo.drop(("rolling", ticket["service"]))
    ticket = get_ticket(tx.db.conn, ticket["id"])
    log_event(tx, site, ticket, "finished", ts, actor, ticket["counter"])
    return ticket


def _unstarted(tx: Tx, site: SiteConfig, ticket: dict, ts: float, actor: str | None) -> None:
    if site.queue.call_next_unstarted == "refuse":
        raise RuleError("current_not_started",
                        f"Số {ticket['number']} đã được gọi nhưng chưa bắt đầu: chọn Bắt đầu, Vắng mặt hoặc Gọi lại",
                        f"Ticket {ticket['number']} was called but not started: start it, mark it no-show or recall it")
    tx.execute("UPDATE tickets SET state = 'no_show', finished_ts = ? WHERE id = ?", (ts, ticket["id"]))
    log_event(tx, site, get_ticket(tx.db.conn, ticket["id"]), "no_show", ts, actor, ticket["counter"],
         reason="not_started")


def _change(store: Store, site: SiteConfig, now: datetime, ticket_id: int, action: str,
            actor: str | None, **args: Any) -> dict[str, Any]:
    ts = to_ts(now)
    with store.write() as tx:
        touch(tx, actor, ts)
        t = get_ticket(tx.db.conn, ticket_id)
        if action == "recall":
            _require(t, ("called",), "gọi lại", "recall")
            if t["recalls"] >= site.queue.max_recalls:
                tx.execute("UPDATE tickets SET state = 'no_show', finished_ts = ? WHERE id = ?", (ts, t["id"]))
                t = get_ticket(tx.db.conn, t["id"])
                log_event(tx, site, t, "no_show", ts, actor, t["counter"], reason="max_recalls")
            else:
                tx.execute("UPDATE tickets SET recalls = recalls + 1, called_ts = ? WHERE id = ?", (ts, t["id"]))
                t = get_ticket(tx.db.conn, t["id"])
                log_event(tx, site, t, "recalled", ts, actor, t["counter"])
        elif action == "start":
            _require(t, ("called",), "bắt đầu phục vụ", "start")
            tx.execute("UPDATE tickets SET state = 'serving', started_ts = ? WHERE id = ?", (ts, t["id"]))
            t = get_ticket(tx.db.conn, t["id"])
            log_event(tx, site, t, "started", ts, actor, t["counter"])
        elif action == "finish":
            _require(t, ("called", "serving"), "kết thúc", "finish")
            t = _finish(tx, site, t, ts, actor)
        elif action == "no_show":
            _require(t, ("called",), "đánh dấu vắng mặt", "mark as no-show")
            tx.execute("UPDATE tickets SET state = 'no_show', finished_ts = ? WHERE id = ?", (ts, t["id"]))
            t = get_ticket(tx.db.conn, t["id"])
            log_event(tx, site, t, "no_show", ts, actor, t["counter"])
        elif action == "cancel":
            _require(t, ("waiting", "called"), "hủy", "cancel")
            tx.execute("UPDATE tickets SET state = 'cancelled', finished_ts = ? WHERE id = ?", (ts, t["id"]))
            t = get_ticket(tx.db.conn, t["id"])
            log_event(tx, site, t, "cancelled", ts, actor, t["counter"], reason=args.get("reason"))
            queue_changed(tx, site, t["service"], t["day"], ts=ts)
        elif action == "transfer":
            target = args["service"]
            if target not in site.services:
                raise RuleError("unknown_service", f"Không có lĩnh vực '{target}'", f"Unknown service '{target}'")
            _require(t, ("waiting", "called", "serving"), "chuyển", "transfer")
            if target == t["service"]:
                raise RuleError("invalid_state", "Số này đã thuộc lĩnh vực đó", "Ticket is already in that service")
            new, _ = insert_ticket(tx, site, target, ts, t["day"], arrived_ts=t["arrived_ts"],
                                 priority=t["priority"], channel=t["channel"], actor=actor,
                                 proof=t["priority_proof"], transferred_from=t["id"], enforce_cap=False,
                                 keep=(t["seq"], t["number"]))
            tx.execute("UPDATE tickets SET state = 'transferred', finished_ts = ?, transferred_to = ? WHERE id = ?",
                       (ts, new["id"], t["id"]))
            t = get_ticket(tx.db.conn, t["id"])
            log_event(tx, site, t, "transferred", ts, actor, t["counter"], to=new)
            log_event(tx, site, new, "issued", ts, actor, None)
            queue_changed(tx, site, t["service"], t["day"], ts=ts)
            queue_changed(tx, site, target, t["day"], ts=ts)
            return new
        else:  # pragma: no cover - programming error
            raise ValueError(action)
    return t


def recall(store, site, now, ticket_id, actor=None):
    return _change(store, site, now, ticket_id, "recall", actor)


def start(store, site, now, ticket_id, actor=None):
    return _change(store, site, now, ticket_id, "start", actor)


def finish(store, site, now, ticket_id, actor=None):
    return _change(store, site, now, ticket_id, "finish", actor)


def no_show(store, site, now, ticket_id, actor=None):
    return _change(store, site, now, ticket_id, "no_show", actor)


def cancel(store, site, now, ticket_id, actor=None, reason=None):
    return _change(store, site, now, ticket_id, "cancel", actor, reason=reason)


def transfer(store, site, now, ticket_id, service, actor=None):
    return _change(store, site, now, ticket_id, "transfer", actor, service=service)


def set_counter_state(store: Store, site: SiteConfig, now: datetime, counter: str, state: str,
                      actor: str | None = None) -> dict[str, Any]:
    with store.write() as tx:
        _counter(tx, site, counter)
        tx.execute("UPDATE counters SET state = ?, changed_ts = ? WHERE code = ?", (state, to_ts(now), counter))
        tx.store.memo.drop("open", "forecast")
        if actor and actor.startswith("staff:"):  # pausing or resuming is work at that counter
            claim(tx, site, counter, actor, to_ts(now))
        row = counter_rows(tx.db.conn, site, counter)[counter]
        tx.emit("counter.paused" if state == "paused" else "counter.resumed",
                counter=counter_json(site, row, None), actor=actor)
        for service in site.counters[counter].services:
            queue_changed(tx, site, service, service_day(now, site.tz), ts=to_ts(now))
    return row

"""Decision 766/QĐ-TTg indicators that the center's own data allows, each with its formula.

On-time processing (dossiers, period [start of `first`, end of `last`) in local time):
- completed = the first time the dossier reached status 9 (done, handed over for return)
  or 10 (returned); it is on time if completed on or before the due date;
- time waiting for a requested supplement (status 5 until the next status) is not counted:
  the due date moves by that time; more than `max_supplements_on_time` requests is late;
- late rate = (late still in progress at the end + late completed in the period)
  ÷ (received in the period + carried over), on-time rate = 100 % − late rate.
  Dossiers not accepted (3) or withdrawn (7) are left out.
Provincial rules come from the site config's `[stats]` table (see `StatsRules`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.config import ConfigError, SiteConfig
from queue_server.reports.stats.queries import Sql, day_bounds

SUPPLEMENT, DONE, RETURNED = 5, 9, 10
LEFT_OUT = (3, 7)
CHANNELS = {1: ("Trực tiếp", "Direct"), 2: ("Trực tuyến", "Online"), 3: ("Bưu chính công ích", "Public post")}


@dataclass(frozen=True)
class StatsRules:
    """`[stats]` in site.toml. on_time_by: "day" (completed on the due date is on time) or
    "time" (by the due hour); max_supplements_on_time: requests allowed before a dossier
    counts late; online_channels: channel codes counted as online in the channel share."""
    on_time_by: str = "day"
    max_supplements_on_time: int = 1
    online_channels: tuple[int, ...] = (2,)


def rules_of(site: SiteConfig) -> StatsRules:
    table = site.sections.get("stats", {}) or {}
    path = site.path
    if not isinstance(table, dict):
        raise ConfigError(path, "stats", "expected a table")
    on_time_by = table.get("on_time_by", "day")
    if on_time_by not in ("day", "time"):
        raise ConfigError(path, "stats.on_time_by", f"expected \"day\" or \"time\", got {on_time_by!r}")
    max_supp = table.get("max_supplements_on_time", 1)
    if not isinstance(max_supp, int) or isinstance(max_supp, bool) or max_supp < 0:
        raise ConfigError(path, "stats.max_supplements_on_time", f"expected an integer ≥ 0, got {max_supp!r}")
    online = table.get("online_channels", [2])
    if not isinstance(online, list) or not all(c in CHANNELS for c in online):
        raise ConfigError(path, "stats.online_channels", f"expected channel codes among 1, 2, 3, got {online!r}")
    return StatsRules(on_time_by, max_supp, tuple(online))


@dataclass
class Replay:
    """A dossier's state after its status changes so far (in log order): completion, supplement
    requests and the time spent waiting for them. One definition for the period figures (events
    before the period's end) and for the province's per-dossier facts (every event, dossier_facts.py)."""
    completed: float | None = None
    supplements: int = 0
    paused: float = 0.0
    paused_since: float | None = None
    last_ts: float | None = None  # the latest event that counted (a period ending after it sees this state)

    def see(self, ts: float, status_to: int) -> None:
        if self.completed is not None:  # what follows the completion does not count
            return
        self.last_ts = ts if self.last_ts is None else max(self.last_ts, ts)
        if self.paused_since is not None and status_to != SUPPLEMENT:
            self.paused += ts - self.paused_since
            self.paused_since = None
        if status_to == SUPPLEMENT and self.paused_since is None:
            self.supplements += 1
            self.paused_since = ts
        if status_to in (DONE, RETURNED):
            self.completed = ts


#: the status changes a replay reads: into a supplement wait, out of one (from status 5), done, returned
EVENTS_WHERE = "status_to IS NOT NULL AND (status_to IN (?, ?, ?) OR status_from = ?)"
EVENTS_PARAMS = (SUPPLEMENT, DONE, RETURNED, SUPPLEMENT)
#: dossiers a period [start, end) reads: received before its end, not left out, not settled before it
DOSSIERS_WHERE = (f"received_ts < ? AND status NOT IN ({', '.join('?' * len(LEFT_OUT))}) "
                  "AND (status NOT IN (?, ?) OR status_ts >= ?)")


def _dossiers_params(start: float, end: float) -> tuple:
    return (end, *LEFT_OUT, DONE, RETURNED, start)


@dataclass
class _Dossier:
    site: str
    code: str
    procedure: str
    channel: int
    received: float
    due: float | None
    completed: float | None = None
    supplements: int = 0
    paused: float = 0.0


def _dossiers(sql: Sql, start: float, end: float, only_late_facts: bool = False) -> list[_Dossier]:
    """Dossiers received before `end` and not settled before `start`, with completion and supplement
    pauses up to `end` (at the province: of every site, or of the Sql's site; a dossier is known by
    (site, code)). A dossier whose status is done/returned since before `start` was completed
    before the period: neither received in it nor carried over, so it is not read.
    `only_late_facts`: only the dossiers whose per-dossier facts include events at or after `end`
    (the few a period ending in the past must replay, see `_groups_from_facts`)."""
    scope, params = sql.scope()
    d_scope, e_scope = scope.replace("site", "d.site"), scope.replace("site", "e.site")
    key = "d.site" if sql.sites else "''"
    late_join, late_params = "", ()
    if only_late_facts:
        on = "f.site = d.site AND " if sql.sites else ""
        late_join, late_params = f" JOIN stats_dossier_facts f ON {on}f.code = d.code AND f.last_ts >= ?", (end,)
    out: dict[tuple[str, str], _Dossier] = {}
    where = DOSSIERS_WHERE.replace("received_ts", "d.received_ts").replace("status", "d.status")
    for site, code, procedure, channel, received, due in sql.rows(
            f"SELECT {key}, d.code, d.procedure, d.channel, d.received_ts, d.due_ts FROM dossiers d{late_join} "
            f"WHERE {where}{d_scope}", (*late_params, *_dossiers_params(start, end), *params)):
        out[(site, code)] = _Dossier(site, code, procedure, int(channel), received, due)
    if not out:
        return []
    replays: dict[tuple[str, str], Replay] = {}
    # In log order (the table is append-only, so a dossier's events come in the order they happened):
    # a scan of the primary key, no sort; events of dossiers not wanted are skipped here.
    order = "e.site, e.id" if sql.sites else "e.id"
    ekey = "e.site" if sql.sites else "''"
    if only_late_facts:
        on = "f.site = e.site AND " if sql.sites else ""
        late_join = f" JOIN stats_dossier_facts f ON {on}f.code = e.code AND f.last_ts >= ?"
    for site, code, ts, status_to in sql.rows(
            f"SELECT {ekey}, e.code, e.ts, e.status_to FROM dossier_events e{late_join} WHERE e.ts < ? AND "
            f"{EVENTS_WHERE.replace('status', 'e.status')}{e_scope} ORDER BY {order}",
            (*late_params, end, *EVENTS_PARAMS, *params)):
        if (site, code) in out:
            replays.setdefault((site, code), Replay()).see(ts, status_to)
    for key_, r in replays.items():
        d = out[key_]
        d.completed, d.supplements, d.paused = r.completed, r.supplements, r.paused
        if r.paused_since is not None:  # still waiting for the supplement at the end
            d.paused += end - r.paused_since
    return list(out.values())


@dataclass
class _Group:
    """Counts of one (site, procedure, channel) over a period; added up for a site or the province."""
    received: int = 0
    carried: int = 0
    completed: int = 0
    days: float = 0.0      # sum of processing days of the completed
    late_done: int = 0
    late_open: int = 0

    def add(self, other: "_Group") -> None:
        for f in ("received", "carried", "completed", "days", "late_done", "late_open"):
            setattr(self, f, getattr(self, f) + getattr(other, f))


Groups = dict[tuple[str, str, int], _Group]


def _group_dossiers(all_: list[_Dossier], start: float, end: float, rules: StatsRules, tz: ZoneInfo) -> Groups:
    """The period's counts, one dossier at a time (the direct computation)."""
    out: Groups = {}
    for d in all_:
        received = d.received >= start
        if not received and d.completed is not None and d.completed < start:
            continue  # completed before the period
        g = out.setdefault((d.site, d.procedure, d.channel), _Group())
        g.received += received
        g.carried += not received
        if d.completed is not None:
            g.completed += 1
            g.days += (d.completed - d.received - d.paused) / 86400
            g.late_done += _late(d, d.completed, rules, tz)
        else:  # still open at the end: judged on the period's last instant
            g.late_open += _late(d, end - 1, rules, tz)
    return out


def _groups(sql: Sql, start: float, end: float, rules: StatsRules, tz: ZoneInfo) -> Groups:
    if not sql.dossier_facts:
        return _group_dossiers(_dossiers(sql, start, end), start, end, rules, tz)
    out = _groups_from_facts(sql, start, end, rules, tz)
    for key, g in _group_dossiers(_dossiers(sql, start, end, only_late_facts=True), start, end, rules, tz).items():
        out.setdefault(key, _Group()).add(g)
    return out


def _groups_from_facts(sql: Sql, start: float, end: float, rules: StatsRules, tz: ZoneInfo) -> Groups:
    """The period's counts in one aggregate over dossiers ⋈ their facts (dossier_facts.py), for the
    dossiers whose counted events all lie before `end` (their facts are their state at the end);
    the others are replayed by `_dossiers(only_late_facts=True)`. Lateness as `_late`: by day,
    local day(x) > local day(due) ⟺ due < local midnight of x's day, so no time-zone function."""
    scope, params = sql.scope()
    last_midnight = datetime.combine(local_day(end - 1, tz), time(0), tz).timestamp()
    paused_open = "(COALESCE(f.paused_s, 0) + CASE WHEN f.paused_since IS NULL THEN 0 ELSE ? - f.paused_since END)"
    if rules.on_time_by == "time":
        done_late, open_late = "f.completed_ts > d.due_ts + f.paused_s", f"? > d.due_ts + {paused_open}"
        done_p, open_p = (), (end - 1, end)
    else:
        done_late, open_late = "d.due_ts + f.paused_s < f.completed_midnight", f"d.due_ts + {paused_open} < ?"
        done_p, open_p = (), (end, last_midnight)
    too_many = "COALESCE(f.supplements, 0) > ?"
    on = "f.site = d.site AND " if sql.sites else ""
    where = DOSSIERS_WHERE.replace("received_ts", "d.received_ts").replace("status", "d.status")
    key = "d.site" if sql.sites else "''"
    rows = sql.rows(
        f"SELECT {key}, d.procedure, d.channel, "
        "SUM(CASE WHEN d.received_ts >= ? THEN 1 ELSE 0 END), SUM(CASE WHEN d.received_ts < ? THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN f.completed_ts IS NOT NULL THEN 1 ELSE 0 END), "
        "SUM(CASE WHEN f.completed_ts IS NOT NULL THEN (f.completed_ts - d.received_ts - f.paused_s) / 86400.0 "
        "ELSE 0 END), "
        f"SUM(CASE WHEN f.completed_ts IS NOT NULL AND ({too_many} OR (d.due_ts IS NOT NULL AND {done_late})) "
        "THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN f.completed_ts IS NULL AND ({too_many} OR (d.due_ts IS NOT NULL AND {open_late})) "
        "THEN 1 ELSE 0 END) "
        f"FROM dossiers d LEFT JOIN stats_dossier_facts f ON {on}f.code = d.code "
        f"WHERE {where} AND (f.last_ts IS NULL OR f.last_ts < ?) "
        f"AND (d.received_ts >= ? OR f.completed_ts IS NULL OR f.completed_ts >= ?){scope.replace('site', 'd.site')} "
        f"GROUP BY {key}, d.procedure, d.channel",
        (start, start, rules.max_supplements_on_time, *done_p, rules.max_supplements_on_time, *open_p,
         *_dossiers_params(start, end), end, start, start, *params))
    return {(site, procedure, int(channel)): _Group(int(r or 0), int(c or 0), int(n or 0), float(days or 0),
                                                     int(ld or 0), int(lo or 0))
            for site, procedure, channel, r, c, n, days, ld, lo in rows}


@dataclass
class _Progress:
    received: int
    carried: int
    completed: int
    late_done: int
    late_open: int

    @property
    def base(self) -> int:
        return self.received + self.carried

    @property
    def late_rate(self) -> float | None:
        return _pct(self.late_done + self.late_open, self.base)

    @property
    def on_time(self) -> float | None:
        return None if self.late_rate is None else round(100 - self.late_rate, 2)


def _progress(groups: list[_Group]) -> _Progress:
    t = _Group()
    for g in groups:
        t.add(g)
    return _Progress(t.received, t.carried, t.completed, t.late_done, t.late_open)


def on_time_by_site(sql: Sql, tz: ZoneInfo, first: date, last: date, rules: StatsRules) -> dict[str, float | None]:
    """The on-time rate of each site (the province's ranking), by the same rules as `indicators`."""
    start, end = day_bounds(first, last, tz)
    per_site: dict[str, list[_Group]] = {}
    for (site, _, _), g in _groups(sql, start, end, rules, tz).items():
        per_site.setdefault(site, []).append(g)
    return {site: _progress(gs).on_time for site, gs in per_site.items()}


def _late(d: _Dossier, at: float, rules: StatsRules, tz: ZoneInfo) -> bool:
    """Late if completed (or, still open, at time `at`) after the due moved by the pauses."""
    if d.supplements > rules.max_supplements_on_time:
        return True
    if d.due is None:
        return False
    due = d.due + d.paused
    if rules.on_time_by == "time":
        return at > due
    return local_day(at, tz) > local_day(due, tz)


@lru_cache(maxsize=65536)
def _quarter_day(quarter: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(quarter * 900, tz).date()


def local_day(ts: float, tz: ZoneInfo) -> date:
    """The local date of `ts`; every UTC offset is a whole number of quarter hours, so one
    conversion per quarter hour serves the thousands of dossiers a province compares."""
    return _quarter_day(int(ts // 900), tz)


def _pct(num: float, den: float) -> float | None:
    return round(100 * num / den, 2) if den else None


def indicators(sql: Sql, site: SiteConfig, first: date, last: date, served: int, dissatisfied: int,
               rules: StatsRules | None = None) -> dict[str, Any]:
    """The 766 figures of a site box's period; `served` and `dissatisfied` come from the queue figures."""
    names = {p.code: (p.name, p.name_en) for s in site.services.values() for p in s.procedures}
    return figures_766(sql, site.tz, first, last, served, dissatisfied, rules or rules_of(site), names)


def figures_766(sql: Sql, tz: ZoneInfo, first: date, last: date, served: int, dissatisfied: int,
                rules: StatsRules, names: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The 766 figures over any store (a site box, the province, one site at the province)."""
    names = names or {}
    start, end = day_bounds(first, last, tz)
    groups = _groups(sql, start, end, rules, tz)
    pr = _progress(list(groups.values()))
    late_done, late_open, base, late_rate, on_time = pr.late_done, pr.late_open, pr.base, pr.late_rate, pr.on_time
    received, carried, completed = pr.received, pr.carried, pr.completed

    procedures: dict[str, list[float]] = {}  # procedure → [completed, sum of days]
    for (_, code, _), g in groups.items():
        if g.completed:
            acc = procedures.setdefault(code, [0, 0.0])
            acc[0] += g.completed
            acc[1] += g.days
    per_procedure = [{"procedure": code, "name": names.get(code, (code, code))[0],
                      "name_en": names.get(code, (code, code))[1], "completed": n,
                      "avg_days": round(days / n, 2)} for code, (n, days) in sorted(procedures.items())]
    n_done, all_days = sum(n for n, _ in procedures.values()), sum(days for _, days in procedures.values())

    by_channel = {c: sum(g.received for (_, _, ch), g in groups.items() if ch == c) for c in CHANNELS}
    online = sum(by_channel[c] for c in rules.online_channels)
    channels = [{"channel": c, "name": CHANNELS[c][0], "name_en": CHANNELS[c][1], "received": n,
                 "share_pct": _pct(n, received)} for c, n in by_channel.items()]

    late_words = ("quá hạn" if rules.on_time_by == "day" else "quá giờ hẹn")
    figures = [
        _ind("progress", "on_time_rate", "Tỷ lệ hồ sơ giải quyết đúng hạn", "On-time rate", on_time, "%",
             "100% − tỷ lệ trễ hạn; tỷ lệ trễ hạn = (trễ hạn đang giải quyết + trễ hạn đã giải quyết) ÷ "
             "(tiếp nhận trong kỳ + kỳ trước chuyển qua) × 100%. Thời gian chờ bổ sung không tính; "
             f"bổ sung quá {rules.max_supplements_on_time} lần tính là trễ hạn; so theo "
             f"{'ngày hẹn' if rules.on_time_by == 'day' else 'giờ hẹn'}.",
             "100% − late rate; late rate = (late in progress + late completed) ÷ (received in the period + "
             "carried over) × 100%. Time waiting for a supplement is not counted; more than "
             f"{rules.max_supplements_on_time} supplement request(s) is late; compared by due "
             f"{'date' if rules.on_time_by == 'day' else 'time'}.",
             numerator=base - late_done - late_open, denominator=base),
        _ind("progress", "late_rate", "Tỷ lệ hồ sơ trễ hạn", "Late rate", late_rate, "%",
             f"(Hồ sơ {late_words} đang giải quyết + đã giải quyết {late_words}) ÷ (tiếp nhận trong kỳ + "
             "kỳ trước chuyển qua) × 100%",
             "(late in progress + late completed) ÷ (received in the period + carried over) × 100%",
             numerator=late_done + late_open, denominator=base),
        _ind("progress", "received", "Hồ sơ tiếp nhận trong kỳ", "Received in the period", received, "",
             "Số hồ sơ có thời điểm tiếp nhận trong kỳ", "Dossiers received within the period"),
        _ind("progress", "carried_over", "Hồ sơ kỳ trước chuyển qua", "Carried over", carried, "",
             "Hồ sơ tiếp nhận trước kỳ, chưa giải quyết xong khi kỳ bắt đầu",
             "Received before the period and not completed when it began"),
        _ind("progress", "completed_on_time", "Đã giải quyết đúng hạn", "Completed on time",
             completed - late_done, "", "Hồ sơ hoàn thành trong kỳ, không trễ hạn",
             "Completed within the period and not late"),
        _ind("progress", "completed_late", "Đã giải quyết trễ hạn", "Completed late", late_done, "",
             "Hồ sơ hoàn thành trong kỳ sau ngày hẹn (đã cộng thời gian chờ bổ sung)",
             "Completed within the period after the due date (moved by supplement waits)"),
        _ind("progress", "in_progress_late", "Đang giải quyết, đã trễ hạn", "In progress, late", late_open, "",
             "Hồ sơ chưa hoàn thành cuối kỳ mà đã quá hạn", "Not completed at the end of the period and past due"),
        _ind("progress", "avg_processing_days", "Thời gian giải quyết trung bình", "Average processing time",
             round(all_days / n_done, 2) if n_done else None, "ngày",
             "Tổng (thời điểm hoàn thành − thời điểm tiếp nhận − thời gian chờ bổ sung) ÷ số hồ sơ hoàn thành "
             "trong kỳ (theo từng thủ tục ở bảng riêng)",
             "Sum of (completed − received − supplement waits) ÷ dossiers completed in the period "
             "(per procedure in its own table)", numerator=round(all_days, 2), denominator=n_done),
        _ind("online", "online_share", "Tỷ lệ hồ sơ trực tuyến", "Online share", _pct(online, received), "%",
             "Hồ sơ nộp trực tuyến ÷ tổng hồ sơ tiếp nhận trong kỳ × 100% (≥ 50% đạt điểm tối đa)",
             "Dossiers submitted online ÷ all dossiers received in the period × 100% (≥ 50% scores full)",
             numerator=online, denominator=received),
        _ind("satisfaction", "satisfaction", "Mức độ hài lòng trong tiếp nhận, giải quyết",
             "Satisfaction with reception and settlement", _pct(served - dissatisfied, served), "%",
             "(Tổng lượt tiếp nhận tại quầy − lượt đánh giá \"Không hài lòng\") ÷ tổng lượt tiếp nhận × 100%. "
             "Hệ thống chưa ghi nhận phản ánh, kiến nghị: chỉ trừ đánh giá \"Không hài lòng\".",
             "(All visits served at the counters − visits rated \"Dissatisfied\") ÷ all visits served × 100%. "
             "Complaints are not recorded by this system: only \"Dissatisfied\" ratings are subtracted.",
             numerator=served - dissatisfied, denominator=served),
    ]
    return {"indicators": figures, "procedures": per_procedure, "channels": channels,
            "rules": {"on_time_by": rules.on_time_by, "max_supplements_on_time": rules.max_supplements_on_time,
                      "online_channels": list(rules.online_channels)}}


def _ind(group: str, code: str, name: str, name_en: str, value: Any, unit: str, formula: str, formula_en: str,
         **parts: Any) -> dict[str, Any]:
    return {"group": group, "code": code, "name": name, "name_en": name_en, "value": value, "unit": unit,
            "formula": formula, "formula_en": formula_en, **parts}

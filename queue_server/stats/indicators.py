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
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from queue_server.config import ConfigError, SiteConfig
from queue_server.stats.queries import Sql, day_bounds

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


def _dossiers(sql: Sql, start: float, end: float) -> list[_Dossier]:
    """Dossiers received before `end` and not settled before `start`, with completion and supplement
    pauses up to `end` (at the province: of every site, or of the Sql's site; a dossier is known by
    (site, code)). A dossier whose status is done/returned since before `start` was completed
    before the period: neither received in it nor carried over, so it is not read."""
    scope, params = sql.scope()
    out: dict[tuple[str, str], _Dossier] = {}
    for site, code, procedure, channel, received, due in sql.rows(
            f"SELECT {sql.site_key}, code, procedure, channel, received_ts, due_ts FROM dossiers WHERE received_ts < ? "
            f"AND status NOT IN ({', '.join('?' * len(LEFT_OUT))}) "
            f"AND (status NOT IN (?, ?) OR status_ts >= ?){scope}", (end, *LEFT_OUT, DONE, RETURNED, start, *params)):
        out[(site, code)] = _Dossier(site, code, procedure, int(channel), received, due)
    paused_since: dict[tuple[str, str], float] = {}
    # In log order (the table is append-only, so a dossier's events come in the order they happened):
    # a scan of the primary key, no sort; events of dossiers not wanted are skipped here. Only the
    # changes that matter are read: into a supplement wait, out of one (from status 5), done, returned.
    order = "site, id" if sql.sites else "id"
    for site, code, ts, status_to in sql.rows(
            f"SELECT {sql.site_key}, code, ts, status_to FROM dossier_events WHERE status_to IS NOT NULL AND ts < ? "
            f"AND (status_to IN (?, ?, ?) OR status_from = ?){scope} ORDER BY {order}",
            (end, SUPPLEMENT, DONE, RETURNED, SUPPLEMENT, *params)):
        d = out.get((site, code))
        if d is None or d.completed is not None:
            continue
        key = (site, code)
        if key in paused_since and status_to != SUPPLEMENT:
            d.paused += ts - paused_since.pop(key)
        if status_to == SUPPLEMENT and key not in paused_since:
            d.supplements += 1
            paused_since[key] = ts
        if status_to in (DONE, RETURNED):
            d.completed = ts
    for key, since in paused_since.items():  # still waiting for the supplement at the end
        out[key].paused += end - since
    return list(out.values())


@dataclass
class _Progress:
    received: list[_Dossier]
    carried: list[_Dossier]
    completed: list[_Dossier]
    late_done: int
    late_open: int

    @property
    def base(self) -> int:
        return len(self.received) + len(self.carried)

    @property
    def late_rate(self) -> float | None:
        return _pct(self.late_done + self.late_open, self.base)

    @property
    def on_time(self) -> float | None:
        return None if self.late_rate is None else round(100 - self.late_rate, 2)


def _progress(all_: list[_Dossier], start: float, end: float, rules: StatsRules, tz: ZoneInfo) -> _Progress:
    received = [d for d in all_ if d.received >= start]
    carried = [d for d in all_ if d.received < start and (d.completed is None or d.completed >= start)]
    completed = [d for d in received + carried if d.completed is not None]
    open_ = [d for d in received + carried if d.completed is None]
    late_done = sum(_late(d, d.completed, rules, tz) for d in completed)
    # still open at the end: judged on the period's last instant
    late_open = sum(_late(d, end - 1, rules, tz) for d in open_)
    return _Progress(received, carried, completed, late_done, late_open)


def on_time_by_site(sql: Sql, tz: ZoneInfo, first: date, last: date, rules: StatsRules) -> dict[str, float | None]:
    """The on-time rate of each site (the province's ranking), by the same rules as `indicators`."""
    start, end = day_bounds(first, last, tz)
    per_site: dict[str, list[_Dossier]] = {}
    for d in _dossiers(sql, start, end):
        per_site.setdefault(d.site, []).append(d)
    return {site: _progress(ds, start, end, rules, tz).on_time for site, ds in per_site.items()}


def _late(d: _Dossier, at: float, rules: StatsRules, tz: ZoneInfo) -> bool:
    """Late if completed (or, still open, at time `at`) after the due moved by the pauses."""
    if d.supplements > rules.max_supplements_on_time:
        return True
    if d.due is None:
        return False
    due = d.due + d.paused
    if rules.on_time_by == "time":
        return at > due
    return _local_day(at, tz) > _local_day(due, tz)


@lru_cache(maxsize=65536)
def _quarter_day(quarter: int, tz: ZoneInfo) -> date:
    return datetime.fromtimestamp(quarter * 900, tz).date()


def _local_day(ts: float, tz: ZoneInfo) -> date:
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
    pr = _progress(_dossiers(sql, start, end), start, end, rules, tz)
    received, carried, completed = pr.received, pr.carried, pr.completed
    late_done, late_open, base, late_rate, on_time = pr.late_done, pr.late_open, pr.base, pr.late_rate, pr.on_time

    procedures: dict[str, list[float]] = {}
    for d in completed:
        procedures.setdefault(d.procedure, []).append((d.completed - d.received - d.paused) / 86400)
    per_procedure = [{"procedure": code, "name": names.get(code, (code, code))[0],
                      "name_en": names.get(code, (code, code))[1], "completed": len(days),
                      "avg_days": round(sum(days) / len(days), 2)} for code, days in sorted(procedures.items())]
    all_days = [x for days in procedures.values() for x in days]

    by_channel = {c: sum(d.channel == c for d in received) for c in CHANNELS}
    online = sum(by_channel[c] for c in rules.online_channels)
    channels = [{"channel": c, "name": CHANNELS[c][0], "name_en": CHANNELS[c][1], "received": n,
                 "share_pct": _pct(n, len(received))} for c, n in by_channel.items()]

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
        _ind("progress", "received", "Hồ sơ tiếp nhận trong kỳ", "Received in the period", len(received), "",
             "Số hồ sơ có thời điểm tiếp nhận trong kỳ", "Dossiers received within the period"),
        _ind("progress", "carried_over", "Hồ sơ kỳ trước chuyển qua", "Carried over", len(carried), "",
             "Hồ sơ tiếp nhận trước kỳ, chưa giải quyết xong khi kỳ bắt đầu",
             "Received before the period and not completed when it began"),
        _ind("progress", "completed_on_time", "Đã giải quyết đúng hạn", "Completed on time",
             len(completed) - late_done, "", "Hồ sơ hoàn thành trong kỳ, không trễ hạn",
             "Completed within the period and not late"),
        _ind("progress", "completed_late", "Đã giải quyết trễ hạn", "Completed late", late_done, "",
             "Hồ sơ hoàn thành trong kỳ sau ngày hẹn (đã cộng thời gian chờ bổ sung)",
             "Completed within the period after the due date (moved by supplement waits)"),
        _ind("progress", "in_progress_late", "Đang giải quyết, đã trễ hạn", "In progress, late", late_open, "",
             "Hồ sơ chưa hoàn thành cuối kỳ mà đã quá hạn", "Not completed at the end of the period and past due"),
        _ind("progress", "avg_processing_days", "Thời gian giải quyết trung bình", "Average processing time",
             round(sum(all_days) / len(all_days), 2) if all_days else None, "ngày",
             "Tổng (thời điểm hoàn thành − thời điểm tiếp nhận − thời gian chờ bổ sung) ÷ số hồ sơ hoàn thành "
             "trong kỳ (theo từng thủ tục ở bảng riêng)",
             "Sum of (completed − received − supplement waits) ÷ dossiers completed in the period "
             "(per procedure in its own table)", numerator=round(sum(all_days), 2), denominator=len(all_days)),
        _ind("online", "online_share", "Tỷ lệ hồ sơ trực tuyến", "Online share", _pct(online, len(received)), "%",
             "Hồ sơ nộp trực tuyến ÷ tổng hồ sơ tiếp nhận trong kỳ × 100% (≥ 50% đạt điểm tối đa)",
             "Dossiers submitted online ÷ all dossiers received in the period × 100% (≥ 50% scores full)",
             numerator=online, denominator=len(received)),
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

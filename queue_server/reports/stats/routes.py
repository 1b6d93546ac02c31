"""Statistics API (supervisor role).

    GET /api/v1/stats?from=YYYY-MM-DD&to=YYYY-MM-DD&by=service|counter|officer|priority|channel|hour|day
        [&format=json|csv|xlsx]                      → {from, to, by, rows, totals, ratings, results}
    GET /api/v1/stats/indicators?from=&to=[&format=]  → Decision 766 figures with their formulas
    GET /api/v1/stats/report?month=YYYY-MM            → the monthly report workbook (.xlsx)

`from`/`to` are local days (Asia/Ho_Chi_Minh); a ticket counts on the day it was issued.
The figures and files are computed in the statistics worker process (worker.py); the
functions it runs are the plain ones here (`stats`, `indicator_figures`, `report`, …).
"""
from __future__ import annotations

import re
import threading
import time
from datetime import date, datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from queue_server.auth.guards import require_staff
from queue_server.clock import service_day
from queue_server.config import SiteConfig
from queue_server.deps import get_now, get_site
from queue_server.errors import ApiError
from queue_server.reports.stats import export, facts, rollup
from queue_server.reports.stats.indicators import StatsRules, figures_766, rules_of
from queue_server.reports.stats.queries import DIMENSIONS, Sql, breakdown, rating_reasons, results, served_and_dissatisfied
from queue_server.reports.stats.worker import StatsWorker
from queue_server.store import Store

router = APIRouter(prefix="/api/v1/stats", tags=["stats"], dependencies=[Depends(require_staff("supervisor"))])

MAX_DAYS = 400
DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_refreshing = threading.Lock()
#: Seconds between two catch-ups of the facts (set by the worker from Settings.stats_refresh_seconds;
#: 0 = every call). Figures are at most this old.
REFRESH_EVERY = 0.0
_last_refresh = float("-inf")
CHANNEL_NAMES = {"kiosk": ("Ki-ốt", "Kiosk"), "web": ("Trang web", "Web"), "phone": ("Điện thoại", "Phone"),
                 "counter": ("Tại quầy", "At the counter")}


def _day(value: str | None, name: str, default: date) -> date:
    if value is None or value == "":
        return default
    try:
        if not DAY_RE.match(value):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "validation_error", f"Tham số '{name}' phải là ngày dạng YYYY-MM-DD",
                       f"'{name}' must be a date like 2026-11-23") from None


def period(from_: str | None, to: str | None, now: datetime, tz: ZoneInfo) -> tuple[date, date]:
    today = date.fromisoformat(service_day(now, tz))
    last = _day(to, "to", today)
    first = _day(from_, "from", last.replace(day=1))
    if first > last:
        raise ApiError(422, "validation_error", "Ngày bắt đầu sau ngày kết thúc", "'from' is after 'to'")
    if (last - first).days >= MAX_DAYS:
        raise ApiError(422, "validation_error", f"Khoảng thời gian tối đa {MAX_DAYS} ngày",
                       f"The range may not exceed {MAX_DAYS} days")
    return first, last


def fresh(store: Store, site: SiteConfig, now: datetime) -> Sql:
    """The facts brought up to the last event, past days rolled up, and a connection to query them."""
    global _last_refresh
    with _refreshing:
        if time.monotonic() - _last_refresh >= REFRESH_EVERY:
            facts.refresh(store, site.tz)
            rollup.roll_past(store, service_day(now, site.tz))
            _last_refresh = time.monotonic()
    return Sql(store.db.conn)


def _label(site: SiteConfig, by: str, key: Any) -> str:
    if by == "service":
        return site.services[key].name if key in site.services else key
    if by == "counter":
        return site.counters[key].name if key in site.counters else (key or "—")
    if by == "priority":
        if not key:
            return "Không ưu tiên"
        return site.priority_groups[key].name if key in site.priority_groups else key
    if by == "channel":
        return CHANNEL_NAMES.get(key, (key, key))[0]
    if by == "hour":
        return f"{key:02d}:00–{key:02d}:59"
    return key or "—"


def stats_answer(sql: Sql, tz: ZoneInfo, first: date, last: date, by: str,
                 label: Callable[[str, Any], str]) -> dict[str, Any]:
    """The answer of GET /api/v1/stats over any store: a site box or the province (one code path)."""
    out = breakdown(sql, first, last, by)
    for row in out["rows"]:
        row["label"] = label(by, row["key"])
    return {"from": first.isoformat(), "to": last.isoformat(), "by": by, **out,
            "ratings": rating_reasons(sql, first, last), "results": results(sql, first, last, tz)}


def indicators_answer(sql: Sql, tz: ZoneInfo, first: date, last: date, rules: StatsRules,
                      names: dict[str, tuple[str, str]] | None = None) -> dict[str, Any]:
    """The answer of GET /api/v1/stats/indicators over any store."""
    served, dissatisfied = served_and_dissatisfied(sql, first, last)
    return {"from": first.isoformat(), "to": last.isoformat(),
            **figures_766(sql, tz, first, last, served, dissatisfied, rules, names)}


def stats(store: Store, site: SiteConfig, now: datetime, first: date, last: date, by: str) -> dict[str, Any]:
    return stats_answer(fresh(store, site, now), site.tz, first, last, by, lambda by, key: _label(site, by, key))


def indicator_figures(store: Store, site: SiteConfig, now: datetime, first: date, last: date) -> dict[str, Any]:
    names = {p.code: (p.name, p.name_en) for s in site.services.values() for p in s.procedures}
    return indicators_answer(fresh(store, site, now), site.tz, first, last, rules_of(site), names)


def _download(body: bytes, kind: str, name: str) -> Response:
    media = export.CSV if kind == "csv" else export.XLSX
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"',
                                                     "Cache-Control": "no-store"})


def _sheet_file(site: SiteConfig, title: str, first: date, last: date, header, rows) -> bytes:
    return export.workbook(site.center.name, export.period_text(first, last), [(title[:31], title, [(None, header, rows)])])


def stats_file(store: Store, site: SiteConfig, now: datetime, first: date, last: date, by: str, kind: str) -> bytes:
    header, rows = export.stats_table(stats(store, site, now, first, last, by))
    if kind == "csv":
        return export.to_csv(header, rows)
    return _sheet_file(site, f"Thống kê theo {export.BY_NAMES[by].lower()}", first, last, header, rows)


def indicators_file(store: Store, site: SiteConfig, now: datetime, first: date, last: date, kind: str) -> bytes:
    header, rows = export.indicators_table(indicator_figures(store, site, now, first, last))
    if kind == "csv":
        return export.to_csv(header, rows)
    return _sheet_file(site, "Chỉ tiêu QĐ 766", first, last, header, rows)


Format = Query("json", pattern="^(json|csv|xlsx)$")


async def _worker(request: Request) -> StatsWorker:
    return request.app.state.stats_worker


@router.get("")
async def get_stats(from_: str | None = Query(None, alias="from"), to: str | None = None,
                    by: str = Query("service"), format: str = Format,
                    worker: StatsWorker = Depends(_worker), site: SiteConfig = Depends(get_site),
                    now: datetime = Depends(get_now)):
    if by not in DIMENSIONS:
        raise ApiError(422, "validation_error", f"'by' phải là một trong: {', '.join(DIMENSIONS)}",
                       f"'by' must be one of: {', '.join(DIMENSIONS)}")
    first, last = period(from_, to, now, site.tz)
    if format == "json":
        return await worker.run("stats", now, first, last, by)
    body = await worker.run("stats_file", now, first, last, by, format)
    return _download(body, format, f"thong-ke-{by}-{first}-{last}")


@router.get("/indicators")
async def get_indicators(from_: str | None = Query(None, alias="from"), to: str | None = None,
                         format: str = Format, worker: StatsWorker = Depends(_worker),
                         site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now)):
    first, last = period(from_, to, now, site.tz)
    if format == "json":
        return await worker.run("indicator_figures", now, first, last)
    body = await worker.run("indicators_file", now, first, last, format)
    return _download(body, format, f"chi-tieu-766-{first}-{last}")


@router.get("/report")
async def monthly_report(month: str | None = Query(None), worker: StatsWorker = Depends(_worker),
                         site: SiteConfig = Depends(get_site), now: datetime = Depends(get_now)) -> Response:
    if month is None:
        month = service_day(now, site.tz)[:7]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise ApiError(422, "validation_error", "Tham số 'month' phải có dạng YYYY-MM",
                       "'month' must look like 2026-11")
    first = date.fromisoformat(month + "-01")
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return _download(await worker.run("report", now, first, last), "xlsx", f"bao-cao-thang-{month}")


def report(store: Store, site: SiteConfig, now: datetime, first: date, last: date) -> bytes:
    """One sheet per indicator group, the center's name and the period on top of each."""
    ind = indicator_figures(store, site, now, first, last)
    by_group = {g: [i for i in ind["indicators"] if i["group"] == g] for g in export.GROUP_NAMES}

    def ind_rows(group: str) -> tuple[str | None, list[str], list[list[Any]]]:
        header, rows = export.indicators_table({"indicators": by_group[group]})
        return (None, header[1:], [r[1:] for r in rows])

    procedures = ("Thời gian giải quyết trung bình theo thủ tục", ["Mã thủ tục", "Tên thủ tục", "Số hồ sơ hoàn thành",
                  "Thời gian TB (ngày)"], [[p["procedure"], p["name"], p["completed"], p["avg_days"]]
                                           for p in ind["procedures"]])
    channels = ("Hồ sơ theo kênh tiếp nhận", ["Kênh", "Số hồ sơ", "Tỷ lệ (%)"],
                [[c["name"], c["received"], c["share_pct"]] for c in ind["channels"]])
    by_service = stats(store, site, now, first, last, "service")
    by_officer = stats(store, site, now, first, last, "officer")
    by_day = stats(store, site, now, first, last, "day")
    levels = by_service["totals"]
    ratings = ("Đánh giá theo mức độ", ["Mức độ", "Số lượt"],
               [["Rất hài lòng", levels["rated_very_satisfied"]], ["Hài lòng", levels["rated_satisfied"]],
                ["Không hài lòng", levels["rated_dissatisfied"]]])
    level_vi = {"very_satisfied": "Rất hài lòng", "satisfied": "Hài lòng", "dissatisfied": "Không hài lòng"}
    reasons = ("Lý do được nêu", ["Mức độ", "Lý do", "Số lượt"],
               [[level_vi[r["level"]], r["reason"], r["count"]] for r in by_service["ratings"]])
    res = by_service["results"]
    results_table = ("Trả kết quả qua tủ", ["Nội dung", "Số lượng"],
                     [["Đã gửi vào tủ", res["deposited"]], ["Công dân đã nhận", res["collected"]],
                      ["Quá hạn nhận", res["overdue"]], ["Thu hồi về quầy", res["returned"]]])

    def table(result: dict[str, Any], caption: str) -> tuple[str, list[str], list[list[Any]]]:
        header, rows = export.stats_table(result)
        if result["by"] in ("service", "counter", "priority"):
            header = [header[0], "Tên", *header[1:]]
            rows = [[r[0], lbl, *r[1:]] for r, lbl in zip(rows, [x["label"] for x in result["rows"]] + [""])]
        return caption, header, rows

    sheets = [
        ("Tiến độ giải quyết", "Chỉ tiêu tiến độ, kết quả giải quyết hồ sơ (QĐ 766/QĐ-TTg)",
         [ind_rows("progress"), procedures]),
        ("Dịch vụ trực tuyến", "Chỉ tiêu cung cấp dịch vụ trực tuyến (QĐ 766/QĐ-TTg)", [ind_rows("online"), channels]),
        ("Mức độ hài lòng", "Chỉ tiêu mức độ hài lòng (QĐ 766/QĐ-TTg)", [ind_rows("satisfaction"), ratings, reasons]),
        ("Hàng đợi", "Số liệu hàng đợi (quản lý nội bộ)",
         [table(by_service, "Theo lĩnh vực"), table(by_day, "Theo ngày")]),
        ("Cán bộ", "Số liệu theo cán bộ (quản lý nội bộ)", [table(by_officer, "Theo cán bộ")]),
        ("Trả kết quả", "Trả kết quả qua tủ", [results_table]),
    ]
    return export.workbook(site.center.name, export.period_text(first, last), sheets)

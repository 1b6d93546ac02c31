"""CSV and XLSX downloads of the statistics, and the monthly report workbook.

Vietnamese headers (the province files these as they are); numbers stay numbers and
days are real dates in the sheets; CSV is UTF-8 with a BOM so Excel reads the accents.
"""
from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any, Iterable

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

BY_NAMES = {"service": "Lĩnh vực", "counter": "Quầy", "officer": "Cán bộ", "priority": "Nhóm ưu tiên",
            "channel": "Kênh lấy số", "hour": "Giờ lấy số", "day": "Ngày", "site": "Điểm"}
FIGURE_HEADERS = {
    "label": "Tên", "issued": "Số phát hành", "transferred_in": "Nhận chuyển đến", "served": "Đã phục vụ",
    "no_show": "Vắng mặt", "cancelled": "Đã hủy", "transferred": "Chuyển đi", "recalls": "Lượt gọi lại",
    "wait_mean_min": "Chờ TB (phút)", "wait_p50_min": "Chờ trung vị (phút)", "wait_p90_min": "Chờ P90 (phút)",
    "wait_max_min": "Chờ lâu nhất (phút)", "service_mean_min": "Phục vụ TB (phút)",
    "service_p90_min": "Phục vụ P90 (phút)", "rated_very_satisfied": "Rất hài lòng",
    "rated_satisfied": "Hài lòng", "rated_dissatisfied": "Không hài lòng", "served_at_hour": "Phục vụ xong trong giờ",
    "open_min": "Quầy mở (phút)", "idle_min": "Quầy rảnh (phút)",
}
INDICATOR_HEADERS = ("Nhóm chỉ tiêu", "Chỉ tiêu", "Giá trị", "Đơn vị", "Tử số", "Mẫu số", "Công thức")
GROUP_NAMES = {"progress": "Tiến độ, kết quả giải quyết", "online": "Cung cấp dịch vụ trực tuyến",
               "satisfaction": "Mức độ hài lòng"}


def _key_cell(by: str, key: Any) -> Any:
    if by == "day":
        return date.fromisoformat(key)
    return key


def stats_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """Header and rows (the totals last) of a breakdown answer."""
    by = result["by"]
    figures = [k for k in FIGURE_HEADERS if any(k in r for r in result["rows"]) or k in result["totals"]]
    header = [BY_NAMES[by], *(FIGURE_HEADERS[k] for k in figures)]
    rows = [[_key_cell(by, r["key"]), *(r.get(k) for k in figures)] for r in result["rows"]]
    rows.append(["Tổng cộng", *(result["totals"].get(k) for k in figures)])
    return header, rows


def indicators_table(result: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = [[GROUP_NAMES[i["group"]], i["name"], i["value"], i["unit"], i.get("numerator"), i.get("denominator"),
             i["formula"]] for i in result["indicators"]]
    return list(INDICATOR_HEADERS), rows


def to_csv(header: list[str], rows: Iterable[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(header)
    for row in rows:
        w.writerow(["" if v is None else v.isoformat() if isinstance(v, date) else v for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _sheet(wb: Workbook, title: str, center: str, period: str, heading: str,
           tables: list[tuple[str | None, list[str], list[list[Any]]]]) -> None:
    ws = wb.create_sheet(title[:31])
    ws.append([center])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([period])
    ws.append([heading])
    ws["A3"].font = Font(bold=True, size=12)
    widths: dict[int, int] = {}
    for caption, header, rows in tables:
        ws.append([])
        if caption:
            ws.append([caption])
            ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(header)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            ws.append(row)
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, date):
                    cell.number_format = "DD/MM/YYYY"
                elif isinstance(cell.value, str) and len(cell.value) > 60:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
        for i, h in enumerate(header, 1):
            longest = max([len(str(h))] + [len(str(r[i - 1])) for r in rows if r[i - 1] is not None])
            widths[i] = max(widths.get(i, 8), min(longest + 2, 60))
    for i, w in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = w


def workbook(center: str, period: str, sheets: list[tuple[str, str, list[tuple[str | None, list[str], list[list[Any]]]]]]) -> bytes:
    """sheets: (sheet title, heading, [(caption, header, rows)])."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, heading, tables in sheets:
        _sheet(wb, title, center, period, heading, tables)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def period_text(first: date, last: date) -> str:
    return f"Kỳ báo cáo: từ ngày {first:%d/%m/%Y} đến ngày {last:%d/%m/%Y}"

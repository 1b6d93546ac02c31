"""`motcua dossiers import FILE.xlsx|FILE.csv [--apply]`: dossiers from a province system export.

The first row names the columns (the API's field names, or the Vietnamese headings of the
usual exports: "Mã hồ sơ", "Trạng thái", …; unknown columns are ignored). Rows go through
the same check and apply rule as the push and the pull (`items.apply_batch`), in batches of
500, each batch one transaction. A dry run applies each batch and rolls it back, so it
reports exactly which rows would be refused and why (line number and reason); `--apply`
commits every good row, whatever the bad ones. Progress goes to stderr on large files.
"""
from __future__ import annotations

import csv
import sys
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator
from zoneinfo import ZoneInfo

from queue_server.results.integrations import items
from queue_server.store import Store

BATCH = 500
REQUIRED = ("code", "status", "status_at", "procedure")
ALIASES = {
    "code": ("code", "ma ho so", "so ho so", "ma hs"),
    "status": ("status", "trang thai", "ma trang thai"),
    "status_at": ("status_at", "thoi diem trang thai", "ngay cap nhat", "ngay cap nhat trang thai"),
    "procedure": ("procedure", "thu tuc", "ten thu tuc", "ten thu tuc hanh chinh"),
    "received_at": ("received_at", "ngay tiep nhan", "ngay nhan"),
    "due_at": ("due_at", "ngay hen tra", "han tra", "ngay hen tra ket qua"),
    "applicant_name": ("applicant_name", "nguoi nop", "chu ho so", "ho ten", "ho va ten", "nguoi nop ho so"),
    "phone": ("phone", "so dien thoai", "dien thoai", "sdt"),
    "email": ("email", "e-mail", "thu dien tu"),
    "zalo_id": ("zalo_id", "zalo"),
}


class ImportError_(ValueError):
    """The file cannot be imported at all (unreadable, no header, a required column missing)."""


def _plain(text: Any) -> str:
    """Heading without case, accents or surrounding spaces: "Mã hồ sơ" -> "ma ho so"."""
    s = unicodedata.normalize("NFD", str(text or "")).replace("đ", "d").replace("Đ", "D")
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").lower()
    return " ".join(s.split())


def columns(header: list[Any]) -> dict[int, str]:
    lookup = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
    found: dict[int, str] = {}
    for n, heading in enumerate(header):
        name = lookup.get(_plain(heading))
        if name and name not in found.values():
            found[n] = name
    missing = [c for c in REQUIRED if c not in found.values()]
    if missing:
        raise ImportError_(f"line 1: missing column(s) {', '.join(missing)} "
                           f"(headings found: {', '.join(str(h) for h in header if h not in (None, ''))})")
    return found


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, item) for every non-blank row after the header."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_rows(path)
    elif suffix == ".csv":
        yield from _csv_rows(path)
    else:
        raise ImportError_(f"{path.name}: expected a .xlsx or .csv file")


def _item(cols: dict[int, str], row: list[Any]) -> dict[str, Any] | None:
    item = {name: row[n] for n, name in cols.items() if n < len(row) and row[n] not in (None, "")}
    return item or None


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        f = path.open(encoding="utf-8-sig", newline="")
        sample = f.read(8192)
        f.seek(0)
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportError_(f"{path.name}: cannot read as UTF-8 text ({exc})") from None
    with f:
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.reader(f, delimiter=delimiter)
        try:
            header = next(reader)
        except StopIteration:
            raise ImportError_(f"{path.name}: empty file") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ImportError_(f"{path.name}: line 1: {exc}") from None
        cols = columns(header)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except (csv.Error, UnicodeDecodeError) as exc:
                yield reader.line_num, {"__error__": f"unreadable row ({exc})"}
                continue
            item = _item(cols, [c.strip() for c in row])
            if item:
                yield reader.line_num, item


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    import zipfile

    from openpyxl import load_workbook
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportError_(f"{path.name}: not a readable .xlsx workbook ({type(exc).__name__})") from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportError_(f"{path.name}: the first sheet is empty")
        cols = columns(list(header))
        for n, row in enumerate(rows, start=2):
            item = _item(cols, [c.strip() if isinstance(c, str) else c for c in row])
            if item:
                yield n, item
    finally:
        book.close()


class _DryRun(Exception):
    """Raised inside a batch's transaction to roll it back."""


@dataclass
class Report:
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {"applied": 0, "unchanged": 0, "stale": 0,
                                                            "rejected": 0})
    problems: list[tuple[int, str | None, str]] = field(default_factory=list)  # (line, code, reason)


def run_import(store: Store, path: Path, tz: ZoneInfo, now_fn: Callable, apply: bool,
               progress: Callable[[int, float], None] | None = None) -> Report:
    report, batch, lines = Report(), [], []
    started = time.monotonic()
    actor = f"import:{path.name[:60]}"

    def flush() -> None:
        if not batch:
            return
        answers: list[dict[str, Any]] = []
        try:
            with store.write() as tx:
                answers = items.apply_batch(tx, batch, tz, now_fn(), actor, "import")
                if not apply:
                    raise _DryRun
        except _DryRun:
            pass
        for line, raw, answer in zip(lines, batch, answers):
            report.counts[answer["result"]] += 1
            if answer["result"] == "rejected":
                report.problems.append((line, items.code_of(raw), raw.get("__error__") or answer["reason"]))
        batch.clear()
        lines.clear()
        if progress:
            progress(report.rows, time.monotonic() - started)

    for line, raw in read_rows(path):
        report.rows += 1
        if "__error__" in raw:
            report.counts["rejected"] += 1
            report.problems.append((line, None, raw["__error__"]))
            continue
        batch.append(raw)
        lines.append(line)
        if len(batch) >= BATCH:
            flush()
    flush()
    return report


def main(args: Any) -> int:
    from queue_server.cli.serve import open_store
    from queue_server.clock import utc_now
    from queue_server.config import ConfigError, load_site

    path = Path(args.file)
    if not path.is_file():
        print(f"motcua dossiers import: no file {path}", file=sys.stderr)
        return 2
    try:
        tz = load_site(args.config).tz
    except ConfigError as exc:
        print(f"motcua dossiers import: configuration refused: {exc}", file=sys.stderr)
        return 2
    store = open_store(Path(args.db))
    last = [0.0]

    def progress(rows: int, elapsed: float) -> None:
        if rows >= 2000 and elapsed - last[0] >= 0.5:
            last[0] = elapsed
            print(f"  … {rows} dòng / rows ({rows / max(elapsed, 1e-6):.0f}/s)", file=sys.stderr, flush=True)

    try:
        report = run_import(store, path, tz, utc_now, args.apply, progress)
    except ImportError_ as exc:
        print(f"motcua dossiers import: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    for line, code, reason in report.problems:
        print(f"line {line}: {code or '-'}: {reason}")
    c = report.counts
    verb = "applied" if args.apply else "would apply"
    print(f"{report.rows} rows: {c['applied']} {verb}, {c['unchanged']} unchanged, {c['stale']} stale "
          f"(older than known), {c['rejected']} rejected")
    if not args.apply:
        print("dry run: nothing written; run again with --apply to import the good rows "
              "(chạy thử: chưa ghi gì; thêm --apply để nhập các dòng hợp lệ)")
    return 1 if c["rejected"] else 0

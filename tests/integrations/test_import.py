"""`motcua dossiers import`: the real command on good and broken exports (.csv, .xlsx)."""
from __future__ import annotations

import sqlite3
import subprocess
import time
from datetime import datetime
from pathlib import Path

from hypothesis import given, settings, strategies as st

from bench.live_server import MOTCUA
from queue_server.clock import VN
from queue_server.results.integrations.items import ItemError, parse_item

HEAD = "Mã hồ sơ;Trạng thái;Ngày cập nhật;Tên thủ tục;Ngày tiếp nhận;Ngày hẹn trả;Người nộp;Số điện thoại;Ghi chú\n"


def motcua(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*MOTCUA, "dossiers", "import", *args, "--db", str(db)], capture_output=True,
                          text=True, timeout=300)


def rows(db: Path) -> dict[str, tuple]:
    if not db.exists():
        return {}
    con = sqlite3.connect(db)
    try:
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'dossiers'").fetchone():
            return {}
        return {r[0]: r[1:] for r in con.execute("SELECT code, status, applicant_masked, phone, source FROM dossiers")}
    finally:
        con.close()


def test_good_csv_dry_run_writes_nothing_then_apply_then_again_is_unchanged(tmp_path):
    f = tmp_path / "export.csv"
    f.write_text(HEAD + "".join(
        f"000.00.21.H56-261120-{n:04d};{2 + n % 8};20/11/2026 09:{n:02d};Đăng ký khai sinh;20/11/2026 08:00;"
        f"27/11/2026;Nguyễn Văn An;0912345{n:03d};ghi chú {n}\n" for n in range(1, 31)), encoding="utf-8")
    db = tmp_path / "m.sqlite"
    dry = motcua(str(f), db=db)
    assert dry.returncode == 0, dry.stderr
    assert "30 rows: 30 would apply" in dry.stdout and "dry run: nothing written" in dry.stdout
    assert rows(db) == {}
    done = motcua(str(f), "--apply", db=db)
    assert done.returncode == 0 and "30 applied" in done.stdout
    got = rows(db)
    assert len(got) == 30 and got["000.00.21.H56-261120-0003"] == (5, "N*** V*** A***", "0912345003", "onestop")
    again = motcua(str(f), "--apply", db=db)
    assert "0 applied, 30 unchanged" in again.stdout


def test_broken_rows_are_named_by_line_and_the_rest_is_imported(tmp_path):
    f = tmp_path / "broken.csv"
    f.write_text(HEAD
                 + "000.00.21.H56-261120-0001;4;20/11/2026 09:00;Cấp phiếu lý lịch tư pháp;;;Lê Thị Hạnh;;\n"  # line 2
                 + "HS-0002;4;20/11/2026 09:00;Cấp phiếu lý lịch tư pháp;;;;;\n"                              # 3
                 + "000.00.21.H56-261120-0003;12;20/11/2026 09:00;Cấp phiếu lý lịch tư pháp;;;;;\n"           # 4
                 + "\n"                                                                                       # 5 blank
                 + "000.00.21.H56-261120-0004;4;hôm qua;Cấp phiếu lý lịch tư pháp;;;;;\n"                     # 6
                 + '000.00.21.H56-261120-0005;9;21/11/2026 10:00;"Đăng ký\nkhai sinh";;;;abc;\n'             # 7-8
                 + "000.00.21.H56-261120-0006;9;21/11/2026 10:00;;;;;;\n"                                     # 9
                 + "000.00.21.H56-261120-0007;9;21/11/2026 10:00;Đăng ký khai sinh;;;;;\n",                   # 10
                 encoding="utf-8")
    db = tmp_path / "m.sqlite"
    dry = motcua(str(f), db=db)
    assert dry.returncode == 1
    problems = [line for line in dry.stdout.splitlines() if line.startswith("line ")]
    assert [p.split(":")[0] for p in problems] == ["line 3", "line 4", "line 6", "line 8", "line 9"]
    assert "000.00.21.H29-230101-0001" in problems[0] and "1–10" in problems[1]
    assert "status_at" in problems[2] and "phone" in problems[3] and "procedure: missing" in problems[4]
    assert "7 rows: 2 would apply" in dry.stdout and "5 rejected" in dry.stdout and rows(db) == {}
    done = motcua(str(f), "--apply", db=db)
    assert done.returncode == 1 and sorted(rows(db)) == ["000.00.21.H56-261120-0001", "000.00.21.H56-261120-0007"]


def test_large_xlsx_with_spreadsheet_types_and_progress(tmp_path):
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(["Mã hồ sơ", "Trạng thái", "Thời điểm trạng thái", "Thủ tục", "Hạn trả", "Họ tên", "SĐT"])
    n_rows = 6000
    for n in range(1, n_rows + 1):
        sheet.append([f"000.00.31.H56-261121-{n:04d}", 2 + n % 8, datetime(2026, 11, 21, 8, n % 60),
                      "Cấp giấy phép xây dựng nhà ở riêng lẻ", datetime(2026, 12, 5, 17, 0), "Phan Quang Sơn",
                      912000000 + n if n % 2 else None])
    sheet.append(["000.00.31.H56-261121-9999", "x", None, "", None, None, None])
    f = tmp_path / "export.xlsx"
    book.save(f)
    db = tmp_path / "m.sqlite"
    t0 = time.perf_counter()
    done = motcua(str(f), "--apply", db=db)
    elapsed = time.perf_counter() - t0
    assert done.returncode == 1
    assert f"{n_rows + 1} rows: {n_rows} applied" in done.stdout
    assert f"line {n_rows + 2}: 000.00.31.H56-261121-9999: status" in done.stdout
    assert done.stderr.count("rows (") >= 1                          # progress shown
    got = rows(db)
    assert len(got) == n_rows and got["000.00.31.H56-261121-0003"][2] == "0912000003"   # leading 0 back
    assert got["000.00.31.H56-261121-0001"][2] is None    # status 3 (not accepted): no notice follows, no phone kept
    print(f"\nimport: {n_rows} xlsx rows applied in {elapsed:.1f}s ({n_rows / elapsed:.0f} rows/s, process start included)")


def test_unusable_files_are_refused_whole(tmp_path):
    db = tmp_path / "m.sqlite"
    no_code = tmp_path / "a.csv"
    no_code.write_text("Trạng thái,Thủ tục\n2,x\n", encoding="utf-8")
    r = motcua(str(no_code), db=db)
    assert r.returncode == 2 and "missing column(s) code, status_at" in r.stderr
    fake = tmp_path / "b.xlsx"
    fake.write_bytes(b"not a zip at all")
    r = motcua(str(fake), db=db)
    assert r.returncode == 2 and "not a readable .xlsx" in r.stderr and "Traceback" not in r.stderr
    other = tmp_path / "c.txt"
    other.write_text("x")
    assert motcua(str(other), db=db).returncode == 2
    assert motcua(str(tmp_path / "missing.csv"), db=db).returncode == 2


FIELDS = ("code", "status", "status_at", "procedure", "received_at", "due_at", "applicant_name", "phone",
          "email", "zalo_id")
VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=60),
                   st.datetimes(), st.just("000.00.21.H56-261120-0001"), st.just("2026-11-20T09:00:00+07:00"),
                   st.lists(st.integers(), max_size=2))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(FIELDS), VALUES))
def test_any_item_is_either_accepted_or_refused_with_a_reason(raw):
    try:
        item = parse_item(raw, VN)
    except ItemError as exc:
        assert str(exc)
    else:
        assert 1 <= item.status <= 10 and item.procedure and item.code == raw["code"].strip()

"""The sample site is realistic, and a wrong site file is refused naming file, key and problem."""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from queue_server.config import DEFAULT_CONFIG, ConfigError, load_site, parse_site


def test_sample_site_is_a_realistic_provincial_center():
    site = load_site()
    assert len(site.services) >= 8 and len(site.counters) >= 12
    assert any(k.priority for k in site.counters.values())
    assert {"elderly", "pregnant", "disabled", "merit"} <= set(site.priority_groups)
    assert site.center.agency_id == "000.00.00.H56" and site.center.timezone == "Asia/Ho_Chi_Minh"
    assert site.services["civil"].name == "Hộ tịch – Tư pháp"
    assert all(s.procedures for s in site.services.values())
    assert site.windows and site.queue.max_wait_minutes > 0


def broken(tmp_path: Path, edit) -> Path:
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "site.toml"
    path.write_text(_dump(data), encoding="utf-8")
    return path


def _dump(data) -> str:
    """Tiny TOML writer, enough for the sample file's shapes (tables, arrays of tables)."""
    def val(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        if isinstance(v, list):
            return "[" + ", ".join(val(x) for x in v) + "]"
        return repr(v)
    out = []

    def is_tables(v):
        return isinstance(v, list) and v and all(isinstance(x, dict) for x in v)

    def table(prefix, d, array=False):
        out.append(f"[[{prefix}]]" if array else f"[{prefix}]")
        for k, v in d.items():
            if not isinstance(v, dict) and not is_tables(v):
                out.append(f"{k} = {val(v)}")
        for k, v in d.items():
            if isinstance(v, dict):
                table(f"{prefix}.{k}", v)
            elif is_tables(v):
                for item in v:
                    table(f"{prefix}.{k}", item, True)
    for k, v in data.items():
        if isinstance(v, dict):
            table(k, v)
        else:
            for item in v:
                table(k, item, True)
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("edit, key, problem", [
    (lambda d: d["center"].pop("agency_id"), "center.agency_id", "missing"),
    (lambda d: d["center"].update(agency_id="H56"), "center.agency_id", "not an agency ID"),
    (lambda d: d["center"].update(timezone="Asia/Hanoi_Nowhere"), "center.timezone", "unknown time zone"),
    (lambda d: d["services"][1].update(letter="A"), "services[1].letter", "already used"),
    (lambda d: d["services"][0].update(typical_minutes=-3), "services[0].typical_minutes", "must be > 0"),
    (lambda d: d["counters"][2].update(services=["land", "astrology"]), "counters[2].services", "unknown service 'astrology'"),
    (lambda d: d["queue"].update(max_wait_minutes="soon"), "queue.max_wait_minutes", "expected"),
    (lambda d: d["windows"][0].update(start="7h"), "windows[0].start", "HH:MM"),
    (lambda d: d["priority_groups"][0].pop("head_start_minutes"), "priority_groups[0].head_start_minutes", "missing"),
])
def test_wrong_site_file_names_file_key_and_problem(tmp_path, edit, key, problem):
    path = broken(tmp_path, edit)
    with pytest.raises(ConfigError) as info:
        load_site(path)
    assert info.value.path == str(path) and info.value.key == key and problem in info.value.problem


def test_unreadable_toml_is_refused_with_the_file_name(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[center\nname = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml: \\(file\\): not valid TOML"):
        load_site(path)


def test_round_trip_writer_is_faithful():
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    assert parse_site(tomllib.loads(_dump(data))).services == load_site().services


def test_serve_refuses_a_wrong_file_at_start(tmp_path):
    path = broken(tmp_path, lambda d: d["counters"][0].update(services=[]))
    result = subprocess.run([sys.executable, "-m", "queue_server.cli", "serve", "--config", str(path),
                             "--db", str(tmp_path / "q.sqlite"), "--port", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert str(path) in result.stderr and "counters[0].services" in result.stderr
    assert "at least one service" in result.stderr

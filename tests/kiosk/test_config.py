"""Kiosk configuration: the sample loads, and every mistake names file, key and problem."""
from __future__ import annotations

from pathlib import Path

import pytest

from kiosk_app.config import ConfigError, load_config

REPO = Path(__file__).resolve().parents[2]


def test_sample_config_loads():
    cfg = load_config(REPO / "config" / "kiosk.toml")
    assert cfg.role == "ticket" and cfg.language == "vi" and cfg.fullscreen
    assert cfg.dpi == 96 and cfg.idle_timeout == 60


@pytest.mark.parametrize("text, key, words", [
    ('[kiosk]\nrole = "lockers"\n', "[kiosk] role", "must be one of ticket, result, both"),
    ('[kiosk]\nlanguage = "fr"\n', "[kiosk] language", "must be one of vi, en"),
    ('[server]\nurl = "10.0.0.5:8000"\n', "[server] url", "http(s) URL"),
    ('[screen]\ndpi = "96"\n', "[screen] dpi", "must be a number"),
    ('[screen]\ndpi = 5\n', "[screen] dpi", "50..600"),
    ('[kiosk]\nidle_timeout = 1\n', "[kiosk] idle_timeout", "3..3600 seconds"),
    ('[kiosk]\nidle_timeout = 1e300\n', "[kiosk] idle_timeout", "3..3600 seconds"),
    ('[server]\ntimeout = 1' + '0' * 400 + '\n', "[server] timeout", "must be a finite number"),
    ('[server]\ntimeout = nan\n', "[server] timeout", "must be a finite number"),
    ('[screen]\ndpi = inf\n', "[screen] dpi", "must be a finite number"),
    ('[screen]\nwidth = 9' + '9' * 30 + '\n', "[screen] width", "320..7680 pixels"),
    ('[kiosk]\nlarge_text = "yes"\n', "[kiosk] large_text", "true or false"),
    ('[kiosk]\nidle_timout = 30\n', "[kiosk] idle_timout", "unknown key"),
    ('[printer]\nurl = "x"\n', "[printer]", "unknown section"),
    ('[kiosk\nrole = "ticket"\n', "-", "not valid TOML"),
])
def test_bad_config_names_file_key_and_problem(tmp_path, text, key, words):
    path = tmp_path / "kiosk.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert err.value.key == key
    assert words in err.value.problem
    assert str(err.value).startswith(f"{path}: {key}: ")


def test_missing_file_and_cli_message(tmp_path):
    import subprocess
    import sys
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="file not found"):
        load_config(missing)
    bad = tmp_path / "bad.toml"
    bad.write_text('[screen]\nwidth = 10\n')
    motcua = Path(sys.executable).parent / "motcua"
    r = subprocess.run([str(motcua), "kiosk", "--config", str(bad)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert f"{bad}: [screen] width: must be 320..7680 pixels, got 10" in r.stderr


def test_a_config_cut_short_or_empty_is_refused_not_run_on_defaults(tmp_path):
    sample = (REPO / "config" / "kiosk.toml").read_text(encoding="utf-8")
    cut = sample[:sample.index("idle_timeout = 60") + len("idle_timeout = 6")]  # valid TOML, wrong value
    for text, words in ((cut, "cut short"), ("", "empty"), ("\n  \n", "empty")):
        path = tmp_path / "kiosk.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError, match=words):
            load_config(path)


def test_huge_numbers_give_one_clear_line_not_an_overflow_traceback(tmp_path):
    import subprocess
    import sys
    bad = tmp_path / "huge.toml"
    bad.write_text('[kiosk]\nidle_timeout = 1' + '0' * 400 + '\n', encoding="utf-8")
    motcua = Path(sys.executable).parent / "motcua"
    r = subprocess.run([str(motcua), "kiosk", "--config", str(bad)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "OverflowError" not in r.stderr
    assert f"{bad}: [kiosk] idle_timeout: must be a finite number" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1

"""The [lockers] section of site.toml: the sample is valid, a wrong one names file, key and problem."""
from __future__ import annotations

import pytest

from queue_server.config import DEFAULT_CONFIG, ConfigError, load_site
from queue_server.results.lockers.config import parse_lockers


def test_sample_site_has_a_result_bank():
    site = load_site(DEFAULT_CONFIG)       # the file is read once; [lockers] comes from its tables
    cfg = parse_lockers(site.sections, site.path)
    bank = cfg.banks["result-1"]
    assert len(bank.compartments) == 32 and bank.name.startswith("Tủ trả kết quả")
    assert [c.size for c in bank.compartments[:16]] == list("SSSSMMMMMMMMLLLL")
    assert (bank.compartments[16].number, bank.compartments[16].board, bank.compartments[16].lock) == (17, 1, 0)
    assert cfg.max_failed_tries == 5 and cfg.notices.channels == ("file",)


@pytest.mark.parametrize("section, key, problem", [
    ({"banks": [{"kiosk": "k", "boards": [0], "sizes": "SSS"}]}, "lockers.banks[0].sizes", "16 letters"),
    ({"banks": [{"kiosk": "k", "compartments": [{"compartment": 1, "board": 0, "lock": 0},
                                                {"compartment": 2, "board": 0, "lock": 0}]}]},
     "lockers.banks[0].compartments", "used twice"),
    ({"banks": [{"kiosk": "k", "compartments": [{"compartment": 1, "board": 0, "lock": 0, "size": "XL"}]}]},
     "lockers.banks[0].compartments", "size 'XL'"),
    ({"notices": {"channels": ["sms"]}}, "lockers.notices.sms_url", "has no URL"),
    ({"notices": {"channels": ["fax"]}}, "lockers.notices.channels", "file, sms, zalo, email"),
    ({"reminder_after_days": 5, "return_after_days": 3}, "lockers.return_after_days", "later than"),
    ({"max_failed_tries": "five"}, "lockers.max_failed_tries", "whole number"),
])
def test_wrong_sections_are_refused_clearly(section, key, problem):
    with pytest.raises(ConfigError) as err:
        parse_lockers({"lockers": section}, "/etc/motcua/site.toml")
    assert err.value.path == "/etc/motcua/site.toml" and err.value.key == key and problem in err.value.problem


def test_server_refuses_to_start_on_a_bad_locker_section(tmp_path, app_factory):
    bad = tmp_path / "site.toml"
    bad.write_text(DEFAULT_CONFIG.read_text(encoding="utf-8").replace('sizes = "SSSSMMMMMMMMLLLL"', 'sizes = "SML"'),
                   encoding="utf-8")
    with pytest.raises(ConfigError, match=r"site.toml: lockers.banks\[0\].sizes: expected 16 letters"):
        app_factory(config_path=bad)

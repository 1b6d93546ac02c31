"""`[province]` in site.toml: parsed from the site, wrong values named with their key."""
from __future__ import annotations

import tomllib

import pytest

from queue_server.config import DEFAULT_CONFIG, ConfigError, parse_site
from queue_server.shipping.config import province_link


def site_with(province: dict | None):
    data = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    if province is not None:
        data["province"] = province
    return parse_site(data, DEFAULT_CONFIG)


def test_no_province_table_means_no_shipping():
    assert province_link(site_with(None)) is None


def test_a_full_table_and_a_key_file(tmp_path):
    key = tmp_path / "province.key"
    key.write_text("prov_secret\n")
    link = province_link(site_with({"url": "http://tinh:8100/", "site": "xa-a", "key_file": str(key),
                                    "batch_size": 100, "interval_seconds": 2}))
    assert (link.url, link.site, link.key, link.batch_size, link.interval_seconds) == \
        ("http://tinh:8100", "xa-a", "prov_secret", 100, 2.0)


@pytest.mark.parametrize("table, key", [
    ({"site": "xa-a", "key": "k"}, "province.url"),
    ({"url": "ftp://x", "site": "xa-a", "key": "k"}, "province.url"),
    ({"url": "http://x", "site": "Xã A", "key": "k"}, "province.site"),
    ({"url": "http://x", "site": "xa-a", "key_file": "/nonexistent/key"}, "province.key_file"),
    ({"url": "http://x", "site": "xa-a", "key": "k", "batch_size": 0}, "province.batch_size"),
    ({"url": "http://x", "site": "xa-a", "key": "k", "batch_size": 100000}, "province.batch_size"),
])
def test_wrong_values_are_refused_naming_the_key(table, key):
    with pytest.raises(ConfigError) as err:
        province_link(site_with(table))
    assert err.value.key == key

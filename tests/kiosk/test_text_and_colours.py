"""Catalogs and colours: every user-facing string has Vietnamese; every colour pair reads at 7:1."""
from __future__ import annotations

import re

from kiosk_app import a11y, i18n
from bench.msgids import msgids
from kiosk_app.ui import theme


def test_every_msgid_has_vietnamese_with_the_same_placeholders():
    ids = msgids()
    assert len(ids) > 60
    vi = i18n.catalog("vi")
    missing = [m for m in ids if m not in vi]
    assert missing == []
    for m in ids:
        assert set(re.findall(r"\{(\w+)\}", m)) == set(re.findall(r"\{(\w+)\}", vi[m])), m


def test_vietnamese_is_real_vietnamese():
    assert i18n.tr("Take a queue number", "vi") == "Lấy số thứ tự"
    assert i18n.tr("Look up a dossier", "vi") == "Tra cứu hồ sơ"
    assert i18n.tr("{n} people ahead of you", "vi", n=4) == "Trước ông/bà còn 4 người"
    assert i18n.tr("Take a queue number", "en") == "Take a queue number"
    assert i18n.pick_language("Không tìm thấy / Not found", "en") == "Not found"
    assert i18n.pick_language("Không tìm thấy / Not found", "vi") == "Không tìm thấy"


def test_theme_pairs_reach_seven_to_one():
    pairs = [(theme.INK, theme.WHITE), (theme.INK, theme.SURFACE), (theme.WHITE, theme.PRIMARY),
             (theme.WHITE, theme.PRIORITY), (theme.WHITE, theme.SECONDARY), (theme.WHITE, theme.NEUTRAL),
             (theme.WHITE, theme.CLOSED), (theme.WHITE, theme.WARN), (theme.PRIMARY, theme.WHITE),
             (theme.PRIORITY, theme.WHITE), (theme.WARN, theme.WHITE), (theme.SECONDARY, theme.WHITE),
             (theme.WHITE, theme.INK)]
    for fg, bg in pairs:
        assert a11y.contrast_ratio(fg, bg) >= a11y.MIN_CONTRAST, (fg, bg)


def test_contrast_and_size_arithmetic():
    assert round(a11y.contrast_ratio((0, 0, 0, 1), (1, 1, 1, 1)), 1) == 21.0
    assert round(a11y.contrast_ratio((0.467, 0.467, 0.467, 1), (1, 1, 1, 1)), 1) == 4.5   # #777 fails
    assert round(a11y.mm_to_px(15, 96), 1) == 56.7
    assert theme.TICKET_NUMBER >= a11y.MIN_NUMBER_PX and theme.SMALL >= a11y.MIN_BODY_PX

"""The kiosk's Vietnamese keyboard: names and addresses come out as a Vietnamese reader writes them."""
from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, strategies as st

from kiosk_app.input.textpad import PHONE_KEYS, TEXT_KEYS, edit, label


def typed(keys: list[str]) -> str:
    text, upper = "", False
    for k in keys:
        if k == "shift":
            upper = True
            continue
        text, upper = edit(text, k, upper=upper), False
    return text


def spell(words: str) -> list[str]:
    """'Nguyen^~' → keys: letters, '^' hat, '(' breve, '+' horn, tones ' ` ? ~ . ; capital = shift."""
    marks = {"^": "mark:hat", "(": "mark:breve", "+": "mark:horn", "'": "tone:sac", "`": "tone:huyen",
             "?": "tone:hoi", "~": "tone:nga", ".": "tone:nang", " ": "space", ",": ","}
    keys = []
    for ch in words:
        if ch in marks:
            keys.append(marks[ch])
        elif ch.isupper() or ch == "Đ":
            keys += ["shift", ch.lower()]
        else:
            keys.append(ch)
    return keys


@pytest.mark.parametrize("keys, text", [
    ("Nguyen^~ Van( An", "Nguyễn Văn An"),
    ("Đa` Lat.", "Đà Lạt"),
    ("Phuong+`", "Phường"),
    ("Hoa`", "Hòa"),
    ("Quan^.", "Quận"),
    ("Giua+~", "Giữa"),
    ("Thuy?", "Thủy"),
    ("Hoang` Van( Thu.", "Hoàng Văn Thụ"),
    ("Tran^` Thi. Bich'", "Trần Thị Bích"),
    ("Lam^ Đong^`", "Lâm Đồng"),
    ("Nguoi+`", "Người"),
])
def test_vietnamese_words_type_as_a_telex_user_expects(keys, text):
    assert typed(spell(keys)) == text


def test_a_mark_tapped_twice_comes_off_and_a_new_one_replaces_it():
    assert typed(spell("a''")) == "a"
    assert typed(spell("a'`")) == "à"
    assert typed(spell("a^(")) == "ă"
    assert typed(spell("o+'^")) == "ố"
    assert typed(spell("12 ,")) == "12 ,"           # marks on no vowel change nothing


@given(st.lists(st.sampled_from(TEXT_KEYS + ("shift",)), max_size=80))
def test_any_taps_give_clean_text(keys):
    text = typed(keys)
    assert text == unicodedata.normalize("NFC", text)
    assert not any(unicodedata.combining(ch) for ch in text)    # every mark sits on its letter
    assert len(text) <= 300 and "  " not in text and not text.startswith(" ")


@given(st.text(alphabet="abcdeghiklmnopqrstuvxy ", max_size=30), st.sampled_from("abcdeghiklmnopqrstuvxy"))
def test_del_takes_back_the_last_letter(text, letter):
    start = typed(["space" if c == " " else c for c in text])
    assert edit(edit(start, letter), "back") == start


def test_phone_keys_and_labels():
    assert typed(list("0912345678")) == "0912345678" and set(PHONE_KEYS) >= set("0123456789")
    assert label("tone:nga") == "ã" and label("a", upper=True) == "A" and label("đ", upper=True) == "Đ"

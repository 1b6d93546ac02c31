"""Payload classification: chip-ID → age and hash only, dossier codes, ticket QR, and clear reasons for the rest."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

from drivers.scanner.payloads import PROVINCE_CODES, classify, format_dossier_code, hash_id
from hardware_sim.scanner.payloads import fake_cccd, fake_id12, fake_receipt

TODAY = date(2026, 11, 22)


def card(birth: date, sex: str = "Nam", **kw) -> str:
    return fake_cccd(birth, sex, seed=5, **kw)


@pytest.mark.parametrize("birth, age, elderly", [
    (date(1966, 11, 22), 60, True),    # 60th birthday today
    (date(1966, 11, 23), 59, False),   # tomorrow
    (date(1950, 3, 1), 76, True),
    (date(2008, 2, 29), 18, False),
])
def test_age_and_elderly_from_birth_date(birth, age, elderly):
    result = classify(card(birth), today=TODAY)
    assert (result.kind, result.age, result.is_elderly, result.sex) == ("citizen_id", age, elderly, "M")


def test_born_on_29_february_gets_older_on_1_march_in_common_years():
    payload = card(date(1964, 2, 29))
    assert classify(payload, today=date(2024, 2, 28)).age == 59
    assert classify(payload, today=date(2024, 2, 29)).age == 60
    assert classify(payload, today=date(2023, 2, 28)).age == 58
    assert classify(payload, today=date(2023, 3, 1)).age == 59


def test_hash_is_salted_and_stable_and_only_last_digits_shown():
    payload = card(date(1950, 3, 1), serial=123456)
    id12 = payload.split("|")[0]
    a = classify(payload, today=TODAY, salt=b"site-A")
    assert a.id_hash == hash_id(id12, b"site-A") == classify(payload, today=TODAY, salt=b"site-A").id_hash
    assert a.id_hash != classify(payload, today=TODAY, salt=b"site-B").id_hash
    assert a.id_masked == "*********456"


def test_newer_cards_with_extra_fields_and_empty_old_id_are_accepted():
    result = classify(card(date(1990, 5, 5), "Nữ", old_id="", extra=("", "Nguyễn Văn Cha")), today=TODAY)
    assert (result.kind, result.sex, result.age) == ("citizen_id", "F", 36)


@pytest.mark.parametrize("mutate, reason", [
    (lambda f: f[:6], "at least 7 fields"),
    (lambda f: [f[0] + "1", *f[1:]], "12-digit ID"),
    (lambda f: ["003" + f[0][3:], *f[1:]], "province code"),
    (lambda f: [f[0][:3] + "2" + f[0][4:], *f[1:]], "sex/century digit"),
    (lambda f: [f[0][:4] + "51" + f[0][6:], *f[1:]], "year digits"),
    (lambda f: [*f[:3], "31021950", *f[4:]], "not a calendar date"),
    (lambda f: [*f[:3], "1950", *f[4:]], "8 digits"),
    (lambda f: [*f[:4], "Male", *f[5:]], "Nam or Nữ"),
    (lambda f: [*f[:6], "01011949"], "issue date"),
    (lambda f: [f[0], "12345", *f[2:]], "old ID"),
    (lambda f: [*f[:2], "", *f[3:]], "name"),
])
def test_invalid_chip_id_is_unknown_with_a_reason_and_no_personal_data(mutate, reason):
    fields = card(date(1950, 3, 1), name="Lê Văn Tám").split("|")
    result = classify("|".join(mutate(fields)), today=TODAY)
    assert result.kind == "unknown" and reason in result.reason
    assert fields[0] not in result.reason and "Tám" not in result.reason
    assert result.message_vi.startswith("Không nhận ra mã")


def test_birth_in_the_future_is_rejected():
    result = classify(card(date(2026, 12, 1), issued=date(2026, 12, 2)), today=TODAY)
    assert result.kind == "unknown" and "future" in result.reason


@pytest.mark.parametrize("text, code, source", [
    ("000.00.21.H29-230101-0001", "000.00.21.H29-230101-0001", "code"),
    ("  000.00.00.H56-241231-9999 ", "000.00.00.H56-241231-9999", "code"),
    ("G01-250505-0007", "G01-250505-0007", "code"),
    (fake_receipt("000.00.21.H29-230101-0002"), "000.00.21.H29-230101-0002", "receipt"),
    ("MaHS=000.00.21.H29-230230-0001|MaHS2=000.00.21.H29-230228-0003", "000.00.21.H29-230228-0003", "receipt"),
])
def test_dossier_codes_alone_or_inside_a_receipt(text, code, source):
    result = classify(text, today=TODAY)
    assert (result.kind, result.code, result.source) == ("dossier", code, source)


@pytest.mark.parametrize("text, reason", [
    ("000.00.21.H29-231301-0001", "not a calendar date"),
    ("000.00.21.H29-230230-0001", "not a calendar date"),
    ("000.00.21.H29-230101-0000", "sequence is 0"),
    ("000.00.21.H29-270101-0001", "in the future"),
    ("000.00.21.h29-230101-0001", "not a chip-ID, dossier code or ticket QR"),
    ("000.00.21.H29-23011-0001", "not a chip-ID, dossier code or ticket QR"),
])
def test_malformed_dossier_codes_are_unknown(text, reason):
    result = classify(text, today=TODAY)
    assert result.kind == "unknown" and reason in result.reason


@pytest.mark.parametrize("text, ticket_id", [
    ("http://10.0.0.5:8000/t/42", "42"),
    ("https://motcua.lamdong.gov.vn/site/001/t/A012-20261122", "A012-20261122"),
    ("http://127.0.0.1:8000/tickets/7f3a", "7f3a"),
    ("http://127.0.0.1:8000/api/v1/tickets/123/", "123"),
])
def test_our_ticket_qr(text, ticket_id):
    result = classify(text, today=TODAY)
    assert (result.kind, result.ticket_id, result.url) == ("ticket", ticket_id, text)


@pytest.mark.parametrize("text", ["ftp://h/t/42", "http://h/t/", "http://h/t/4 2", "http://h/x/42", "", "   ",
                                  "8934567890123", "WIFI:S:net;T:WPA;P:pw;;"])
def test_anything_else_is_not_recognised(text):
    result = classify(text, today=TODAY)
    assert result.kind == "unknown" and result.reason and result.message_en


# -- properties ---------------------------------------------------------------
vn_word = st.text(st.sampled_from("aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"),
                  min_size=2, max_size=8).map(str.title)
vn_name = st.lists(vn_word, min_size=2, max_size=4).map(" ".join)
birth_dates = st.dates(date(1900, 1, 1), TODAY)


@settings(max_examples=150, deadline=None)
@given(birth_dates, st.sampled_from(["Nam", "Nữ"]), vn_name, st.sampled_from(sorted(PROVINCE_CODES)),
       st.integers(0, 999_999), st.binary(min_size=1, max_size=16))
def test_chip_id_result_never_exposes_the_id_or_name(birth, sex, name, province, serial, salt):
    payload = fake_cccd(birth, sex, name=name, province=province, serial=serial, issued=TODAY)
    id12 = fake_id12(birth, sex, province, serial)
    result = classify(payload, today=TODAY, salt=salt)
    assert result.kind == "citizen_id"
    expected_age = TODAY.year - birth.year - ((TODAY.month, TODAY.day) < (birth.month, birth.day))
    assert (result.age, result.is_elderly) == (expected_age, expected_age >= 60)
    shown = repr(result) + str(result.as_dict()) + result.message_vi + result.message_en
    assert id12 not in shown and id12[:9] not in shown and name not in shown


@settings(max_examples=150, deadline=None)
@given(birth_dates, vn_name, st.integers(0, 6), st.text(max_size=12))
def test_a_damaged_chip_id_never_leaks_into_the_reason(birth, name, field, junk):
    payload = fake_cccd(birth, "Nữ", name=name, serial=987654, issued=TODAY)
    fields = payload.split("|")
    id12 = fields[0]
    fields[field] = junk
    result = classify("|".join(fields), today=TODAY)
    shown = repr(result) + str(result.as_dict())
    assert id12 not in shown and name not in shown


agency = st.builds(lambda parts, top: ".".join([*parts, top]),
                   st.lists(st.from_regex(r"\A\d{2,3}\Z"), max_size=3),
                   st.from_regex(r"\A[A-Z]\d{2}\Z"))


@settings(max_examples=150, deadline=None)
@given(agency, st.dates(date(2000, 1, 1), TODAY), st.integers(1, 999_999),
       st.text(st.characters(blacklist_categories=("Cs",)), max_size=30), st.sampled_from([" ", ";", "|", "\n", "="]))
def test_dossier_code_round_trip_alone_and_inside_text(agency, day, seq, noise, sep):
    code = format_dossier_code(agency, day, seq)
    alone = classify(code, today=TODAY)
    assert (alone.kind, alone.agency, alone.date, alone.seq, alone.source) == ("dossier", agency, day, seq, "code")
    inside = classify(f"MaHoSo{sep}{code}{sep}{noise}", today=TODAY)
    assert (inside.kind, inside.code) == ("dossier", code)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_classify_never_raises(text):
    result = classify(text, today=TODAY)
    assert result.kind in ("citizen_id", "dossier", "ticket", "unknown")


def test_aim_identifier_and_bom_prefixes_are_ignored():
    assert classify("]Q1" + card(date(1950, 3, 1)), today=TODAY).kind == "citizen_id"
    assert classify("]C0000.00.21.H29-230101-0001", today=TODAY).code == "000.00.21.H29-230101-0001"
    assert classify("\ufeffhttp://h/t/9", today=TODAY).ticket_id == "9"

"""Vietnamese number reading and the hall voice WAVs (real espeak-ng)."""
from __future__ import annotations

import io
import wave

import pytest
from hypothesis import given, settings, strategies as st

from queue_server.hall.voice.audio import RATE, VoiceCache, chime_pcm, wav_duration
from queue_server.hall.voice.words import call_phrase, read_counter, read_number, read_ticket

DIGIT = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
         "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
SCALE = {"nghìn": 1000, "ngàn": 1000, "triệu": 10 ** 6, "tỷ": 10 ** 9}


def parse_vietnamese(text: str) -> int:
    """An independent reader of Vietnamese numerals (how a listener adds up the words)."""
    total = group = last = 0
    for word in text.split():
        if word in DIGIT:
            last = DIGIT[word]
        elif word == "mười":
            group += 10
        elif word == "mươi":
            group, last = group + last * 10, 0
        elif word == "trăm":
            group, last = group + last * 100, 0
        elif word in ("linh", "lẻ"):
            continue
        elif word in SCALE:
            total, group, last = total + (group + last) * SCALE[word], 0, 0
        else:
            raise AssertionError(f"unexpected word {word!r} in {text!r}")
    return total + group + last


@pytest.mark.parametrize("n, words", [
    (0, "không"), (1, "một"), (4, "bốn"), (5, "năm"), (10, "mười"), (11, "mười một"),
    (14, "mười bốn"), (15, "mười lăm"), (20, "hai mươi"), (21, "hai mươi mốt"), (25, "hai mươi lăm"),
    (31, "ba mươi mốt"), (45, "bốn mươi lăm"), (100, "một trăm"), (101, "một trăm linh một"),
    (105, "một trăm linh năm"), (110, "một trăm mười"), (115, "một trăm mười lăm"),
    (121, "một trăm hai mươi mốt"), (1000, "một nghìn"), (1005, "một nghìn không trăm linh năm"),
    (2025, "hai nghìn không trăm hai mươi lăm"), (10000, "mười nghìn"),
])
def test_cardinals_read_the_vietnamese_way(n, words):
    assert read_number(n) == words


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999))
def test_reading_round_trips_and_follows_the_sound_rules(n):
    words = read_number(n)
    assert parse_vietnamese(words) == n
    tokens = words.split()
    for before, word in zip(tokens, tokens[1:]):
        # "mốt" and "lăm" only after tens; after "mươi" a 1 is "mốt" and a 5 is "lăm"
        if word == "mốt":
            assert before == "mươi", words
        if word == "lăm":
            assert before in ("mười", "mươi"), words
        assert (before, word) not in {("mươi", "một"), ("mươi", "năm"), ("mười", "năm")}, words
    assert "mươi" not in tokens[:1] and "trăm" not in tokens[:1]


@pytest.mark.parametrize("ticket, words", [
    ("A012", "A không một hai"), ("B007", "bê không không bảy"), ("K120", "ca một hai không"),
    ("a001", "A không không một"),
])
def test_ticket_numbers_are_read_as_printed(ticket, words):
    assert read_ticket(ticket) == words


@pytest.mark.parametrize("bad", ["", "012", "A", "A-12", "ABCD1", "A 12", "Ư12"])
def test_bad_ticket_numbers_are_refused(bad):
    with pytest.raises(ValueError):
        read_ticket(bad)


def test_call_phrase_matches_the_hall_template():
    assert call_phrase("A012", "5") == "Xin mời công dân có số thứ tự A không một hai đến quầy số năm."
    assert call_phrase("B101", "21").endswith("đến quầy số hai mươi mốt.")
    assert call_phrase("C003", "15").endswith("đến quầy số mười lăm.")
    assert read_counter("25") == "hai mươi lăm"
    assert call_phrase("A012", "5", "en") == "Ticket number A 0 1 2, please come to counter 5."


def _pcm(data: bytes) -> tuple[int, bytes]:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), w.readframes(w.getnframes())


def test_announcement_is_chime_then_the_phrase_twice_and_cached(tmp_path):
    cache = VoiceCache(tmp_path)
    phrase = cache.phrase(call_phrase("A012", "5"))
    call = cache.announcement("A012", "5")
    rate, pcm = _pcm(call)
    assert rate == RATE
    chime = chime_pcm()
    assert pcm.startswith(chime)                         # the chime comes first
    spoken = _pcm(phrase)[1]
    assert wav_duration(phrase) > 2.0                    # espeak-ng really spoke the sentence
    assert pcm.count(spoken) == 2                        # then the phrase, exactly twice
    runs = cache.espeak_runs
    assert cache.announcement("A012", "5") == call       # second time: from the cache
    assert VoiceCache(tmp_path).announcement("A012", "5") == call   # also after a restart
    assert cache.espeak_runs == runs == 1
    other = cache.announcement("A013", "5")
    assert other != call and cache.espeak_runs == 2


def test_voice_endpoint_serves_wav_to_display_only(web_app):
    client, keys = web_app
    ok = client.get("/api/v1/voice/call.wav?ticket=B001&counter=5", headers=keys["display"])
    assert ok.status_code == 200 and ok.headers["content-type"] == "audio/wav"
    assert ok.content[:4] == b"RIFF" and wav_duration(ok.content) > 5
    assert client.get("/api/v1/voice/call.wav?ticket=B001&counter=5").status_code == 401
    assert client.get("/api/v1/voice/call.wav?ticket=B001&counter=5", headers=keys["kiosk"]).status_code == 403
    bad = client.get("/api/v1/voice/call.wav?ticket=Z001&counter=5", headers=keys["display"])
    assert bad.status_code == 422 and "Z001" in bad.json()["error"]["message"]
    assert client.get("/api/v1/voice/call.wav?ticket=B001&counter=99", headers=keys["display"]).status_code == 404
    chime = client.get("/api/v1/voice/chime.wav", headers=keys["display"])
    assert chime.status_code == 200 and _pcm(chime.content)[1] == chime_pcm()


def test_no_two_service_letters_sound_alike_in_espeak():
    """Over a loudspeaker, "D" and "G" must not be the same sound (espeak's own phonemes)."""
    import subprocess
    from queue_server.hall.voice.audio import ESPEAK
    from queue_server.hall.voice.words import LETTERS
    phonemes = {}
    for letter in LETTERS:
        spoken = read_ticket(f"{letter}1").rsplit(" ", 1)[0]
        out = subprocess.run([ESPEAK, "-v", "vi", "-q", "-x", spoken], capture_output=True, text=True, timeout=20)
        assert out.returncode == 0, out.stderr
        phonemes[letter] = out.stdout.strip()
        assert len(phonemes[letter].replace("_", "").replace("|", "").strip()) >= 2, (letter, phonemes[letter])
    same = [(a, b) for a in phonemes for b in phonemes if a < b and phonemes[a] == phonemes[b]]
    assert not same, same


def test_phrase_cache_stays_bounded_and_speaks_once_for_many_tvs(tmp_path):
    from concurrent.futures import ThreadPoolExecutor
    cache = VoiceCache(tmp_path, max_bytes=500_000)
    with ThreadPoolExecutor(6) as pool:                  # six hall TVs fetch the same call at once
        results = list(pool.map(lambda _: cache.announcement("A001", "3"), range(6)))
    assert len(set(results)) == 1 and cache.espeak_runs == 1
    for n in range(2, 8):                                # a busy morning: many distinct calls
        cache.announcement(f"A{n:03d}", "3")
    assert cache.disk_bytes() <= 500_000 + 200_000       # pruned, oldest first (a new phrase is always kept)
    newest = cache._path("phrase", "vi", call_phrase("A007", "3"))
    oldest = cache._path("phrase", "vi", call_phrase("A001", "3"))
    assert newest.exists() and not oldest.exists()
    runs = cache.espeak_runs
    fresh = VoiceCache(tmp_path, max_bytes=500_000)
    assert fresh.announcement("A001", "3") == results[0]  # a pruned phrase is simply made again
    assert fresh.espeak_runs == 1 and cache.espeak_runs == runs

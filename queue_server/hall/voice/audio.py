"""Hall voice audio, made offline on the server with Debian's espeak-ng.

One announcement is one WAV: chime, the phrase, a short pause, the phrase
again. Serving it as a single file lets the display play exactly one clip
per call, so its audio queue has one `ended` to wait for and nothing can
interleave. Phrase WAVs are cached on disk by a hash of (voice, text);
espeak-ng runs only on a cache miss.
"""
from __future__ import annotations

import functools
import hashlib
import io
import math
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import wave
from collections import OrderedDict
from pathlib import Path

from queue_server.hall.voice.words import call_phrase

RATE = 22050  # espeak-ng's native rate: no resampling needed when joining
VOICES = {"vi": "vi", "en": "en"}
ESPEAK = shutil.which("espeak-ng") or "/usr/bin/espeak-ng"


class VoiceError(RuntimeError):
    """The speech engine failed or is missing (technical message for logs)."""


def _pcm_tone(freq: float, seconds: float, volume: float = 0.35) -> bytes:
    frames = int(RATE * seconds)
    out = bytearray()
    for i in range(frames):
        t = i / RATE
        # Bell-like: fundamental + octave, fast attack, exponential decay.
        envelope = min(1.0, t / 0.01) * math.exp(-3.5 * t / seconds)
        sample = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
        out += struct.pack("<h", int(32767 * volume * envelope * sample / 1.3))
    return bytes(out)


def _silence(seconds: float) -> bytes:
    return b"\x00\x00" * int(RATE * seconds)


@functools.lru_cache(maxsize=1)
def chime_pcm() -> bytes:
    """Two-tone "ding-dong" (E5 then C5), the sound halls use before a call."""
    return _pcm_tone(659.25, 0.45) + _pcm_tone(523.25, 0.7) + _silence(0.25)


def wav_bytes(pcm: bytes) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm)
    return buf.getvalue()


def read_pcm(data: bytes) -> bytes:
    """PCM frames of a mono 16-bit WAV at RATE (what espeak-ng writes)."""
    with wave.open(io.BytesIO(data), "rb") as w:
        if (w.getnchannels(), w.getsampwidth(), w.getframerate()) != (1, 2, RATE):
            raise VoiceError(
                f"unexpected WAV format from espeak-ng: {w.getnchannels()} ch, "
                f"{w.getsampwidth() * 8} bit, {w.getframerate()} Hz"
            )
        return w.readframes(w.getnframes())


def wav_duration(data: bytes) -> float:
    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnframes() / w.getframerate()


class VoiceCache:
    """Phrase WAVs on disk under ``root`` (bounded), whole announcements in memory.

    A phrase is unique per (ticket, counter), so a busy center makes ~1,000 a
    day (~190 kB each): the directory is pruned, oldest first, beyond
    ``max_bytes``. Several hall TVs fetch the same call at the same moment:
    one lock per phrase makes espeak-ng run once, and the last announcements
    are kept in memory. Files are written to a temp name then renamed, so a
    reader never sees half a WAV.
    """

    def __init__(self, root: Path | str, max_bytes: int = 200 * 2**20, memory_items: int = 24) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.memory_items = memory_items
        self._lock = threading.Lock()
        self._phrase_locks: dict[Path, threading.Lock] = {}
        self._recent: OrderedDict[str, bytes] = OrderedDict()
        self.espeak_runs = 0  # observable: a cached phrase must not run espeak again

    def _path(self, kind: str, *parts: str) -> Path:
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]
        return self.root / f"{kind}-{digest}.wav"

    def _store(self, path: Path, data: bytes) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        self._prune(keep=path)

    def _prune(self, keep: Path) -> None:
        files = [(f.stat().st_mtime, f.stat().st_size, f) for f in self.root.glob("phrase-*.wav")]
        total = sum(size for _, size, _ in files)
        for _, size, f in sorted(files, key=lambda x: x[0]):
            if total <= self.max_bytes:
                break
            if f != keep:
                f.unlink(missing_ok=True)
                total -= size

    def disk_bytes(self) -> int:
        return sum(f.stat().st_size for f in self.root.glob("*.wav"))

    def phrase(self, text: str, lang: str = "vi") -> bytes:
        """WAV of ``text`` spoken by espeak-ng (cached per phrase)."""
        voice = VOICES[lang]
        path = self._path("phrase", voice, text)
        with self._lock:
            lock = self._phrase_locks.setdefault(path, threading.Lock())
        with lock:
            try:
                return path.read_bytes()
            except FileNotFoundError:
                pass
            data = self._speak(voice, text)
            self._store(path, data)
        with self._lock:
            self._phrase_locks.pop(path, None)
        return data

    def _speak(self, voice: str, text: str) -> bytes:
        try:
            # -s 140: a little slower than default; halls are noisy and echoing.
            result = subprocess.run(
                [ESPEAK, "-v", voice, "-s", "140", "--stdout", text],
                capture_output=True, timeout=20, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise VoiceError(f"espeak-ng ({ESPEAK}) could not run: {exc}") from exc
        if result.returncode != 0 or not result.stdout:
            raise VoiceError(
                f"espeak-ng ({ESPEAK}) failed with code {result.returncode}: "
                f"{result.stderr.decode(errors='replace').strip()[:200]}"
            )
        with self._lock:
            self.espeak_runs += 1
        return wav_bytes(read_pcm(_fix_stream_header(result.stdout)))

    def chime(self) -> bytes:
        path = self.root / "chime.wav"
        if not path.exists():
            self._store(path, wav_bytes(chime_pcm()))
        return path.read_bytes()

    def announcement(self, ticket: str, counter: str, lang: str = "vi") -> bytes:
        """Chime, then the call phrase twice: one WAV per call."""
        text = call_phrase(ticket, counter, lang)
        key = f"{lang}\x1f{text}"
        with self._lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
        spoken = read_pcm(self.phrase(text, lang))
        data = wav_bytes(chime_pcm() + spoken + _silence(0.8) + spoken + _silence(0.3))
        with self._lock:
            self._recent[key] = data
            while len(self._recent) > self.memory_items:
                self._recent.popitem(last=False)
        return data


def _fix_stream_header(data: bytes) -> bytes:
    """espeak-ng --stdout writes a WAV whose size fields say 0x7fffffff
    (it cannot seek a pipe); rewrite them from the real length."""
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise VoiceError("espeak-ng did not write a WAV")
    idx = data.find(b"data", 12)
    if idx < 0:
        raise VoiceError("espeak-ng WAV has no data chunk")
    size = len(data) - (idx + 8)
    size -= size % 2
    fixed = bytearray(data[: idx + 8 + size])
    struct.pack_into("<I", fixed, 4, len(fixed) - 8)
    struct.pack_into("<I", fixed, idx + 4, size)
    return bytes(fixed)

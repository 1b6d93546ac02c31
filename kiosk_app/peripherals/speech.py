"""Optional spoken prompts with espeak-ng (Vietnamese voice), never blocking the UI."""
from __future__ import annotations

import shutil
import subprocess


class Speaker:
    VOICES = {"vi": "vi", "en": "en"}

    def __init__(self, binary: str | None = None):
        self.binary = binary or shutil.which("espeak-ng")
        self._proc: subprocess.Popen | None = None

    @property
    def available(self) -> bool:
        return self.binary is not None

    def __call__(self, text: str, lang: str) -> None:
        if not self.binary or not text:
            return
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()      # a new prompt replaces the old one, never overlaps
        self._proc = subprocess.Popen(
            [self.binary, "-v", self.VOICES.get(lang, "vi"), "-s", "150", "--", text],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

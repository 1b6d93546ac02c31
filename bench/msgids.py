"""Find every msgid in the kiosk's code and .kv files (for the catalogs and their test)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "kiosk_app"
# tr("..."), app.tr("...", ...), c.t("..."), self.t(...), N_(...), set_notice(...), say(...)
CALL = re.compile(r"""(?:\btr|\.t|\bN_|set_notice|\bsay)\(\s*"((?:[^"\\]|\\.)+)\"""")
CONSOLE_ONLY = ("cli.py",)  # technician text: English
TABLES = ("PRINT_TEXT", "FAULTS", "MESSAGES", "SPECIAL", "STATES")


def msgids() -> list[str]:
    found: dict[str, None] = {}
    for path in sorted(ROOT.rglob("*")):
        if path.suffix not in (".py", ".kv") or path.name in CONSOLE_ONLY:
            continue
        text = path.read_text(encoding="utf-8")
        for m in CALL.finditer(text):
            found[m.group(1).encode().decode("unicode_escape").encode("latin-1").decode("utf-8")] = None
        for table in TABLES:
            for block in re.finditer(rf"{table}\s*=\s*\{{(.*?)\}}\n", text, re.S):
                for m in re.finditer(r':\s*"((?:[^"\\]|\\.)+)"', block.group(1)):
                    found[m.group(1)] = None
    return [m for m in found if m.strip() and m not in ("ABC", "123", "⌫")]


if __name__ == "__main__":
    for m in msgids():
        print(m)

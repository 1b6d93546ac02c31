"""Where tests save what people see: a temp folder, or docs/screenshots/ on purpose.

`make test` leaves the repository untouched (screenshots go to a temp folder);
`make screenshots` sets MOTCUA_SCREENSHOTS=docs/screenshots to refresh the
pictures the README shows.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

SCREENSHOTS = Path(os.environ.get("MOTCUA_SCREENSHOTS")
                   or Path(tempfile.gettempdir()) / "motcua-screenshots").resolve()
SCREENSHOTS.mkdir(parents=True, exist_ok=True)

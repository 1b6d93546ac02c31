"""Pull adapters, chosen by URL like the device drivers (format: docs/protocols/onestop.md).

    onestop+http://host:port[/base]   GET {base}/api/dossiers/changes?cursor=…&limit=…
    onestop+https://host[/base]       POST {base}/api/dossiers/{code}/result  (status 10 back)
    file:///var/onestop-drop          *.json files dropped in the folder, oldest name first;
                                      applied files move to processed/, unreadable ones to failed/;
                                      results are written to results/{code}.json
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from queue_server.results.integrations.results import ReportError


class SourceError(Exception):
    """The source could not be read this time (network, 5xx, garbage): try again later."""


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    has_more: bool
    done: Any = field(default=None, repr=False)  # what to finish once the page is committed


class OneStopHttp:
    def __init__(self, url: str, key: str = "", timeout: float = 20.0):
        parts = urlsplit(url)
        self.base = f"{parts.scheme.split('+', 1)[1]}://{parts.netloc}{parts.path.rstrip('/')}"
        headers = {"Accept": "application/json", "User-Agent": "motcua"}
        if key:
            headers["Authorization"] = f"Bearer {key}"
        self.client = httpx.Client(timeout=timeout, headers=headers)

    def fetch(self, cursor: str | None, limit: int) -> Page:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        try:
            r = self.client.get(f"{self.base}/api/dossiers/changes", params=params)
        except httpx.HTTPError as exc:
            raise SourceError(f"{type(exc).__name__}: {exc}") from None
        if r.status_code != 200:
            raise SourceError(f"HTTP {r.status_code}: {r.text[:120]}")
        try:
            body = r.json()
        except ValueError:
            raise SourceError("answer is not JSON") from None
        items, nxt = body.get("items") if isinstance(body, dict) else None, body.get("next_cursor") \
            if isinstance(body, dict) else None
        if not isinstance(items, list) or not isinstance(nxt, str) or not nxt:
            raise SourceError("answer lacks items[] or next_cursor")
        return Page(items, nxt, bool(body.get("has_more")))

    def finish(self, page: Page) -> None:
        pass

    def report(self, result: dict[str, Any]) -> None:
        try:
            r = self.client.post(f"{self.base}/api/dossiers/{quote(result['code'], safe='')}/result", json=result)
        except httpx.HTTPError as exc:
            raise ReportError(f"{type(exc).__name__}: {exc}") from None
        if r.status_code in (200, 201, 202):
            return
        raise ReportError(f"HTTP {r.status_code}: {r.text[:120]}", permanent=400 <= r.status_code < 500
                          and r.status_code not in (408, 425, 429))

    def close(self) -> None:
        self.client.close()


class DropFolder:
    """A folder another program drops JSON files into (`{"items": [...]}` or a bare list)."""

    def __init__(self, url: str):
        self.dir = Path(unquote(urlsplit(url).path))
        for sub in ("processed", "failed", "results"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)

    def _waiting(self) -> list[Path]:
        return sorted(p for p in self.dir.glob("*.json") if p.is_file())

    def fetch(self, cursor: str | None, limit: int) -> Page:
        waiting = self._waiting()
        while waiting:
            path = waiting.pop(0)
            try:
                body = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                self._move(path, "failed", f"{type(exc).__name__}: {exc}")
                raise SourceError(f"{path.name}: not a JSON file ({exc}); moved to failed/") from None
            items = body.get("items") if isinstance(body, dict) else body
            if not isinstance(items, list):
                self._move(path, "failed", "expected {\"items\": [...]} or a list")
                raise SourceError(f"{path.name}: expected {{\"items\": [...]}}; moved to failed/")
            return Page(items, path.name, bool(waiting), done=path)
        return Page([], cursor, False)

    def finish(self, page: Page) -> None:
        if page.done is not None:
            self._move(page.done, "processed")

    def _move(self, path: Path, where: str, error: str | None = None) -> None:
        target = self.dir / where / path.name
        os.replace(path, target)
        if error:
            target.with_suffix(".error.txt").write_text(error + "\n", encoding="utf-8")

    def report(self, result: dict[str, Any]) -> None:
        name = result["code"].replace("/", "_") + ".json"
        tmp = self.dir / "results" / (name + ".tmp")
        try:
            tmp.write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.dir / "results" / name)  # whole file or none for the reader
        except OSError as exc:
            raise ReportError(f"{type(exc).__name__}: {exc}") from None

    def close(self) -> None:
        pass


def open_source(url: str, key: str = "", timeout: float = 20.0) -> OneStopHttp | DropFolder:
    scheme = url.split("://", 1)[0]
    if scheme in ("onestop+http", "onestop+https"):
        return OneStopHttp(url, key, timeout)
    if scheme == "file":
        return DropFolder(url)
    raise ValueError(f"{url!r}: no adapter for {scheme!r} (onestop+http, onestop+https, file)")

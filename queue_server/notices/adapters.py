"""Notice channels behind one method: `send(id, recipient, subject, text)`.

Raise `SendError(permanent=False)` for "try again later" (timeouts, 5xx,
refused connections) and `permanent=True` for "this will never work" (4xx,
bad address). Messages and errors never quote the recipient or the text.
"""
from __future__ import annotations

import json
import os
import smtplib
import ssl
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import httpx

from queue_server.results.lockers.config import NoticeConfig


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Adapter(Protocol):
    def send(self, notice_id: int, recipient: str, subject: str, text: str) -> None: ...


class FileOutbox:
    """Default channel: one JSON file per message in a directory (a gateway or a person picks them up)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def send(self, notice_id: int, recipient: str, subject: str, text: str) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".notice-", dir=self.directory)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"id": notice_id, "to": recipient, "subject": subject, "text": text}, f,
                          ensure_ascii=False)
            os.replace(tmp, self.directory / f"{notice_id:08d}.json")  # readers never see half a file
        except OSError as exc:
            raise SendError(f"file outbox {self.directory}: {exc.strerror or exc}") from None


class _Http:
    def __init__(self, url: str, key: str, timeout: float = 10.0):
        self.url, self.key, self.timeout = url, key, timeout

    def _post(self, payload: dict, headers: dict[str, str]) -> httpx.Response:
        try:
            r = httpx.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except httpx.HTTPError as exc:
            raise SendError(f"{urlsplit(self.url).netloc}: {type(exc).__name__}") from None
        if r.status_code >= 500 or r.status_code == 429:
            raise SendError(f"{urlsplit(self.url).netloc}: HTTP {r.status_code}")
        if r.status_code >= 400:
            raise SendError(f"{urlsplit(self.url).netloc}: HTTP {r.status_code} (refused)", permanent=True)
        return r


class HttpSms(_Http):
    """Generic SMS gateway: POST {"to", "text"} with `Authorization: Bearer KEY`."""

    def send(self, notice_id: int, recipient: str, subject: str, text: str) -> None:
        self._post({"to": recipient, "text": text, "ref": str(notice_id)},
                   {"Authorization": f"Bearer {self.key}"})


class ZaloOA(_Http):
    """Zalo Official Account message API: `access_token` header, `{"error": 0}` on success."""

    def send(self, notice_id: int, recipient: str, subject: str, text: str) -> None:
        r = self._post({"recipient": {"user_id": recipient}, "message": {"text": text}},
                       {"access_token": self.key})
        try:
            code = r.json().get("error", 0)
        except (ValueError, AttributeError):
            code = 0
        if code:
            raise SendError(f"zalo: error {code}", permanent=code in (-201, -213, -230))


class Smtp:
    """`smtp://user:pass@host:587?from=addr` (STARTTLS on 587) or `smtps://…:465`."""

    def __init__(self, url: str, timeout: float = 15.0):
        u = urlsplit(url)
        self.scheme, self.host, self.port = u.scheme, u.hostname or "localhost", u.port
        self.user, self.password = unquote(u.username or ""), unquote(u.password or "")
        self.sender = parse_qs(u.query).get("from", [self.user or "motcua@localhost"])[0]
        self.timeout = timeout

    def send(self, notice_id: int, recipient: str, subject: str, text: str) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self.sender, recipient, subject
        msg.set_content(text)
        try:
            if self.scheme == "smtps":
                server = smtplib.SMTP_SSL(self.host, self.port or 465, timeout=self.timeout,
                                          context=ssl.create_default_context())
            else:
                server = smtplib.SMTP(self.host, self.port or 25, timeout=self.timeout)
            with server:
                if self.scheme == "smtp" and (self.port == 587):
                    server.starttls(context=ssl.create_default_context())
                if self.user:
                    server.login(self.user, self.password)
                server.send_message(msg)
        except smtplib.SMTPRecipientsRefused:
            raise SendError(f"smtp {self.host}: recipient refused", permanent=True) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"smtp {self.host}: {type(exc).__name__}") from None


def make_adapters(cfg: NoticeConfig, outbox: Path) -> dict[str, Adapter]:
    adapters: dict[str, Adapter] = {"file": FileOutbox(outbox)}
    if cfg.sms_url:
        adapters["sms"] = HttpSms(cfg.sms_url, cfg.sms_key)
    if cfg.zalo_url:
        adapters["zalo"] = ZaloOA(cfg.zalo_url, cfg.zalo_key)
    if cfg.email_url:
        adapters["email"] = Smtp(cfg.email_url)
    return adapters

"""Voice calls over HTTP: the hall display fetches one WAV per announcement.

    GET /api/v1/voice/call.wav?ticket=A012&counter=5[&lang=vi|en]
        chime + «Xin mời công dân có số thứ tự A không một hai đến quầy số năm» twice
    GET /api/v1/voice/chime.wav

Display device key or staff token (the page fetches with `Authorization`
and plays a blob URL). Counters must exist in the site configuration and
the ticket letter must belong to a service, so the cache stays bounded.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from queue_server.auth.guards import Principal, require_staff_or_device
from queue_server.deps import get_site
from queue_server.errors import ApiError
from queue_server.hall.voice.audio import VoiceCache, VoiceError
from queue_server.hall.voice.words import TICKET_RE

router = APIRouter(prefix="/api/v1/voice", tags=["voice"])

# One cached week of calls is a few thousand small WAVs; browsers may keep them a day.
CACHE_HEADERS = {"Cache-Control": "private, max-age=86400"}


def make_cache(db_path: Path) -> VoiceCache:
    """The phrase cache beside the database (built once by create_app)."""
    return VoiceCache(Path(db_path).parent / "voice-cache")


async def voice_cache(request: Request) -> VoiceCache:
    return request.app.state.voice_cache


@router.get("/call.wav", response_class=Response)
def call_wav(
    ticket: str = Query(..., max_length=8),
    counter: str = Query(..., max_length=8),
    lang: str = Query("vi", pattern="^(vi|en)$"),
    site=Depends(get_site),
    cache: VoiceCache = Depends(voice_cache),
    who: Principal = Depends(require_staff_or_device("officer", "display")),
) -> Response:
    ticket = ticket.strip().upper()
    letters = {s.letter for s in site.services.values()}
    if not TICKET_RE.match(ticket) or ticket.rstrip("0123456789") not in letters:
        raise ApiError(422, "validation_error",
                       f"Số thứ tự không hợp lệ: {ticket}", f"Not a ticket number of this site: {ticket}")
    if counter not in site.counters:
        raise ApiError(404, "not_found", f"Không có quầy {counter}", f"Counter {counter} not found")
    try:
        data = cache.announcement(ticket, counter, lang)
    except VoiceError as exc:
        raise ApiError(503, "voice_unavailable",
                       "Không tạo được âm thanh gọi số", f"voice synthesis failed: {exc}") from exc
    return Response(data, media_type="audio/wav", headers=CACHE_HEADERS)


@router.get("/chime.wav", response_class=Response)
def chime_wav(
    cache: VoiceCache = Depends(voice_cache),
    who: Principal = Depends(require_staff_or_device("officer", "display")),
) -> Response:
    return Response(cache.chime(), media_type="audio/wav", headers=CACHE_HEADERS)

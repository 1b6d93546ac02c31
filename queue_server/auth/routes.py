"""Staff login/logout and "who am I" for staff and devices."""
from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from queue_server.auth import accounts
from queue_server.auth.guards import Principal, bearer, current_principal, require_staff
from queue_server.clock import iso_local
from queue_server.deps import get_now, get_settings, get_site, get_store
from queue_server.errors import ApiError

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


@router.post("/login", summary="Staff login → bearer token")
async def login(body: LoginRequest, request: Request, store=Depends(get_store), site=Depends(get_site),
                now: datetime = Depends(get_now), settings=Depends(get_settings)) -> JSONResponse:
    out = await accounts.sign_in(store, body.username, body.password, now, settings.token_ttl_hours,
                                 source=request.client.host if request.client else None)
    return JSONResponse({"token": out["token"], "role": out["role"], "username": out["username"],
                         "expires_at": iso_local(out["expires_ts"], site.tz)})


@router.post("/logout", status_code=204, summary="End this staff session")
async def logout(request: Request, store=Depends(get_store),
                 who: Principal = Depends(require_staff("officer"))) -> Response:
    await store.run(lambda: accounts.logout(store, bearer(request) or ""))
    return Response(status_code=204)


@router.get("/me", summary="Who holds this token or device key")
async def me(who: Principal | None = Depends(current_principal)) -> JSONResponse:
    if who is None:
        raise ApiError(401, "unauthenticated", "Cần đăng nhập hoặc khóa thiết bị", "Authentication required")
    return JSONResponse({"kind": who.kind, "name": who.name, "role": who.role})

"""Where credentials may travel: the staff session only in its HttpOnly cookie (never in a page
or a URL), device keys in `?token=` only to read, and sign-in forms only from our own pages."""
from __future__ import annotations

import json
import re

import httpx
from websockets.sync.client import connect

from bench.live_server import STAFF


def signed_in(server, role: str = "officer") -> httpx.Client:
    """A browser-like client that signed in through the real form."""
    client = httpx.Client(base_url=server.base_url, timeout=30)
    form = client.get("/login").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    r = client.post("/login", data={"username": STAFF[role], "password": server.password, "next": "/console",
                                    "csrf": csrf})
    assert r.status_code == 303 and client.cookies.get("motcua_token", path="/"), r.text[:300]
    return client


def page_data(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="page-data">(.*?)</script>', html, re.S).group(1))


def test_staff_pages_carry_no_session_token_and_their_api_calls_use_the_cookie(server):
    for role, path in (("officer", "/console"), ("supervisor", "/dashboard")):
        client = signed_in(server, role)
        session = client.cookies.get("motcua_token", path="/")
        page = client.get(path)
        assert page.status_code == 200 and session not in page.text
        assert "token" not in page_data(page.text)
        me = client.get("/api/v1/auth/me")  # what the page's scripts do: cookie only, no header
        assert me.status_code == 200 and me.json()["role"] == role
    server.issue("civil")
    assert client.post("/api/v1/counters/5/call-next", json={}).status_code == 200
    # the cookie does not act for another site's page
    evil = client.post("/api/v1/counters/5/call-next", json={}, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 401


def test_a_staff_session_token_in_a_url_is_not_accepted(server):
    token = server.token("officer")
    r = httpx.get(f"{server.base_url}/console?token={token}", timeout=30)
    assert r.status_code == 401 and 'name="password"' in r.text
    assert httpx.get(f"{server.base_url}/api/v1/auth/me?token={token}", timeout=30).status_code == 200  # a read


def test_device_keys_in_the_url_read_but_never_write(server):
    display, rating = server.display_key, server.device_key("rating")
    assert httpx.get(f"{server.base_url}/api/v1/tickets?token={display}", timeout=30).status_code == 200
    body = {"ticket_id": 1, "level": "satisfied"}
    in_url = httpx.post(f"{server.base_url}/api/v1/ratings?token={rating}", json=body, timeout=30)
    assert in_url.status_code == 401
    in_header = httpx.post(f"{server.base_url}/api/v1/ratings", json=body, timeout=30,
                           headers={"Authorization": f"Bearer {rating}"})
    assert in_header.status_code == 404  # authenticated: the ticket just does not exist
    page = httpx.get(f"{server.base_url}/rate/5?token={rating}", timeout=30)
    assert page.status_code == 200 and page_data(page.text)["token"] == rating  # the tablet's own key


def test_sign_in_forms_from_elsewhere_are_refused(server):
    data = {"username": STAFF["officer"], "password": server.password, "next": "/console"}
    bare = httpx.post(server.base_url + "/login", data=data, timeout=30)
    assert bare.status_code == 403 and "motcua_token" not in bare.headers.get("set-cookie", "")
    attacker = httpx.Client(base_url=server.base_url, timeout=30)  # the attacker's own form value...
    csrf = re.search(r'name="csrf" value="([^"]+)"', attacker.get("/login").text).group(1)
    victim = httpx.Client(base_url=server.base_url, timeout=30)  # ...posted from the victim's browser
    assert victim.post("/login", data={**data, "csrf": csrf}).status_code == 403
    cross = attacker.post("/login", data={**data, "csrf": csrf}, headers={"Origin": "http://evil.example"})
    assert cross.status_code == 403 and "motcua_token" not in cross.headers.get("set-cookie", "")
    csrf = re.search(r'name="csrf" value="([^"]+)"', cross.text).group(1)  # the refusal's fresh form
    assert attacker.post("/login", data={**data, "csrf": csrf}).status_code == 303  # the genuine form


def test_a_websocket_from_another_site_does_not_ride_the_session_cookie(server):
    client = signed_in(server)
    cookie = f"motcua_token={client.cookies.get('motcua_token', path='/')}"
    for origin, who in ((server.base_url, "officer"), ("http://evil.example", None)):
        with connect(server.ws_url, additional_headers={"Cookie": cookie}, origin=origin) as ws:
            hello = json.loads(ws.recv(timeout=10))
            assert hello["type"] == "hello" and hello["as"] == who, (origin, hello)

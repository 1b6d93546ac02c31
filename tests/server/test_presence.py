"""Officer presence: sign in/out, one officer per counter, idle sign-out, closed counters."""
from __future__ import annotations

import pytest

from queue_server.auth.accounts import add_device, add_user
from queue_server.hall.counters.presence import sweep_idle


@pytest.fixture
def api(api_factory):
    client = api_factory(display_name="Nguyễn Văn An")
    store = client.store
    add_user(store, "binh", "officer", "officer-pass")
    add_user(store, "chi", "supervisor", "supervisor-pass")
    client.an, client.binh, client.chi = client.officer, client.login("binh", "officer-pass"), client.login("chi", "supervisor-pass")
    return client


def counters(api):
    return {c["code"]: c for c in api.get("/api/v1/counters").json()}


def issue(api, service="land"):
    return api.post("/api/v1/tickets", json={"service": service}, headers=api.kiosk).json()


def test_every_counter_is_closed_until_an_officer_signs_in(api):
    assert {c["state"] for c in counters(api).values()} == {"closed"}
    r = api.post("/api/v1/counters/5/sign-in", headers=api.an)
    assert r.status_code == 200 and r.json()["state"] == "open"
    assert r.json()["officer"]["name"] == "Nguyễn Văn An"             # the display name, not the login
    assert counters(api)["5"]["state"] == "open" and counters(api)["6"]["state"] == "closed"
    board = {c["code"]: c for c in api.get("/api/v1/dashboard", headers=api.chi).json()["counters"]}
    assert board["5"]["state"] == "open" and board["5"]["officer"] == "Nguyễn Văn An"
    assert board["6"]["state"] == "closed" and board["6"]["activity"] == "closed"


def test_one_officer_per_counter_and_one_counter_per_officer(api):
    assert api.post("/api/v1/counters/5/sign-in", headers=api.an).status_code == 200
    taken = api.post("/api/v1/counters/5/sign-in", headers=api.binh)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "counter_taken"
    assert "Nguyễn Văn An" in taken.json()["error"]["message"]
    issue(api, "civil")
    assert api.post("/api/v1/counters/5/call-next", headers=api.binh).status_code == 409   # nor call from it
    assert api.post("/api/v1/counters/5/sign-out", headers=api.binh).status_code == 409
    api.post("/api/v1/counters/6/sign-in", headers=api.an)                 # moving: 5 closes
    assert counters(api)["5"]["state"] == "closed" and counters(api)["6"]["state"] == "open"
    assert api.post("/api/v1/counters/6/sign-out", headers=api.chi).status_code == 200   # a supervisor may close it
    assert counters(api)["6"]["state"] == "closed"
    assert api.post("/api/v1/counters/99/sign-in", headers=api.an).status_code == 404
    assert api.post("/api/v1/counters/5/sign-in").status_code == 401


def test_calling_signs_the_officer_in_and_sign_out_closes_the_counter(api):
    issue(api, "civil")
    assert api.post("/api/v1/counters/5/call-next", headers=api.an).status_code == 200
    assert counters(api)["5"]["state"] == "open"
    assert api.post("/api/v1/counters/5/sign-out", headers=api.an).json()["state"] == "closed"


def test_idle_officers_are_signed_out_after_the_configured_time(api):
    site, store, clock = api.app.state.site, api.app.state.store, api.app.state.settings.clock
    api.post("/api/v1/counters/5/sign-in", headers=api.an)
    api.post("/api/v1/counters/2/sign-in", headers=api.binh)
    clock.advance(minutes=site.queue.idle_sign_out_minutes - 5)
    issue(api, "land")
    api.post("/api/v1/counters/2/call-next", headers=api.binh)             # binh works, an does not
    clock.advance(minutes=10)
    assert sweep_idle(store, site, clock()) == ["5"]
    assert counters(api)["5"]["state"] == "closed" and counters(api)["2"]["state"] == "open"


def test_closed_counters_take_no_part_in_the_wait_estimate(api):
    for _ in range(6):
        issue(api, "civil")
    services = {s["code"]: s for s in api.get("/api/v1/services").json()}
    assert services["civil"]["estimated_wait_min"] is None and services["civil"]["open_counters"] == 0
    api.post("/api/v1/counters/5/sign-in", headers=api.an)                 # one counter for civil
    one = {s["code"]: s for s in api.get("/api/v1/services").json()}["civil"]["estimated_wait_min"]
    api.post("/api/v1/counters/6/sign-in", headers=api.binh)               # a second one
    two = {s["code"]: s for s in api.get("/api/v1/services").json()}["civil"]["estimated_wait_min"]
    assert one > two > 0
    api.post("/api/v1/counters/6/sign-out", headers=api.binh)
    assert {s["code"]: s for s in api.get("/api/v1/services").json()}["civil"]["estimated_wait_min"] == one


def test_rating_tablet_shows_the_display_name_not_the_login(api):
    rating = {"Authorization": "Bearer " + add_device(api.app.state.store, "tablet-5", "rating")}
    issue(api, "civil")
    called = api.post("/api/v1/counters/5/call-next", headers=api.an).json()
    api.post(f"/api/v1/tickets/{called['id']}/start", headers=api.an)
    api.post(f"/api/v1/tickets/{called['id']}/finish", headers=api.an)
    target = api.get("/api/v1/ratings/pending?counter=5", headers=rating).json()
    assert target["officer_name"] == "Nguyễn Văn An" and target["ticket"]["number"] == called["number"]


def test_the_same_estimate_on_the_services_list_the_ticket_and_the_phone(api):
    api.post("/api/v1/counters/5/sign-in", headers=api.an)
    api.post("/api/v1/counters/14/sign-in", headers=api.binh)      # civil + transport, labour, tax
    for _ in range(5):
        issue(api, "civil")
    listed = {s["code"]: s for s in api.get("/api/v1/services").json()}["civil"]
    mine = api.post("/api/v1/tickets", json={"service": "civil"}, headers=api.kiosk).json()
    promised = (listed["estimated_wait_min"], listed["wait_low_min"], listed["wait_high_min"])
    assert (mine["estimated_wait_min"], mine["wait_low_min"], mine["wait_high_min"]) == promised
    assert promised[1] <= promised[0] <= promised[2] and promised[0] > 0
    token = mine["status_url"].rsplit("/", 1)[1]
    phone = api.get(f"/api/v1/t/{token}").json()
    staff = api.get(f"/api/v1/tickets/{mine['id']}", headers=api.an).json()
    for view in (phone, staff):
        assert (view["estimated_wait_min"], view["wait_low_min"], view["wait_high_min"]) == promised
    # two counters share the civil queue: about half the wait of one counter alone
    one_counter = 6 * api.app.state.site.services["civil"].typical_minutes
    assert promised[0] < one_counter

"""The push contract: POST /api/v1/integrations/dossiers with an integration key."""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from tests.integrations.conftest import CODE, item


def test_new_then_same_again_is_unchanged_names_masked_contacts_hidden(hub, caplog):
    caplog.set_level(logging.DEBUG)
    r = hub.push(item(1), item(2, applicant_name="Trần Thị Bích", phone="0987654321"))
    assert r.status_code == 200
    assert [a["result"] for a in r.json()["results"]] == ["applied", "applied"]
    assert r.json()["counts"] == {"applied": 2, "unchanged": 0, "stale": 0, "rejected": 0}
    assert hub.results(item(1), item(2, applicant_name="Trần Thị Bích", phone="0987654321")) == ["unchanged"] * 2
    public = hub.dossier(1, anonymous=True)
    assert public["status"] == 2 and public["status_name"] == "Đã tiếp nhận"
    assert "applicant" not in public and public["due_at"] == "2026-12-04T17:00:00+07:00"   # anonymous: no name
    staff = hub.client.get("/api/v1/dossiers", headers=hub.staff).json()
    assert "N*** V*** A***" in {d["applicant"] for d in staff}
    assert {d["source"] for d in staff} == {"onestop"} and {d["phone"] for d in staff} == {"*******678", "*******321"}
    everything = json.dumps(staff) + json.dumps(public) + caplog.text + r.text
    for secret in ("Nguyễn", "Trần Thị", "0912345678", "0987654321", "an.nguyen"):
        assert secret not in everything
    # a code the province sent cannot be typed in a second time
    made = hub.client.post("/api/v1/dossiers", json={"code": CODE.format(1)}, headers=hub.staff)
    assert made.status_code == 409


def test_newer_status_applies_older_is_stale_and_never_overwrites(hub):
    assert hub.results(item(1, status=2, at="2026-11-20T09:00:00+07:00")) == ["applied"]
    assert hub.results(item(1, status=4, at="2026-11-21T10:00:00+07:00")) == ["applied"]
    r = hub.push(item(1, status=2, at="2026-11-20T09:00:00+07:00"), item(1, status=5, at="2026-11-20T12:00:00+07:00"))
    assert [a["result"] for a in r.json()["results"]] == ["stale", "stale"]
    assert "newer status (4)" in r.json()["results"][0]["reason"]
    assert hub.dossier(1)["status"] == 4 and hub.dossier(1)["status_at"] == "2026-11-21T10:00:00+07:00"
    # the same instant with another status is a conflict, not a silent overwrite
    clash = hub.push(item(1, status=8, at="2026-11-21T10:00:00+07:00")).json()["results"][0]
    assert clash["result"] == "rejected" and "conflict" in clash["reason"]
    # in one batch, versions of one dossier apply by status_at whatever their order
    r = hub.push(item(3, status=9, at="2026-11-22T15:00:00+07:00"), item(3, status=2, at="2026-11-20T09:00:00+07:00"),
                 item(3, status=4, at="2026-11-21T09:00:00+07:00"))
    assert [a["result"] for a in r.json()["results"]] == ["applied", "applied", "applied"]
    assert hub.dossier(3)["status"] == 9


def test_bad_items_are_rejected_one_by_one_with_a_reason(hub):
    batch = [item(1), {**item(2), "code": "H56-1"}, {k: v for k, v in item(3).items() if k != "status_at"},
             item(4, status=11), item(5, phone="call me"), "not an object", item(6, status_at="yesterday"),
             item(7, procedure=""), item(8, status=True), item(9, applicant_name="x" * 300), item(10)]
    r = hub.push(*batch)
    assert r.status_code == 200
    out = r.json()["results"]
    assert [a["result"] for a in out] == ["applied"] + ["rejected"] * 9 + ["applied"]
    reasons = [a["reason"] for a in out[1:10]]
    assert "000.00.21.H29-230101-0001" in reasons[0] and reasons[1] == "status_at: missing"
    assert "1–10" in reasons[2] and "phone" in reasons[3] and "expected an object" in reasons[4]
    assert "status_at" in reasons[5] and reasons[6] == "procedure: missing" and "boolean" in reasons[7]
    assert "200 characters" in reasons[8]
    health = hub.client.get("/api/v1/integrations/health", headers=hub.sup).json()
    assert len(health["rejects"]) == 9 and health["sources"][0]["name"] == "push:igate"
    assert health["sources"][0]["applied_total"] == 2 and health["sources"][0]["rejected_total"] == 9
    assert hub.client.get(f"/api/v1/dossiers/{CODE.format(4)}").status_code == 404


def test_size_limits_and_malformed_bodies(hub):
    many = [item(n) for n in range(1, 1002)]
    r = hub.push(*many)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
    assert "1000" in r.json()["error"]["message"]
    assert hub.client.get("/api/v1/dossiers?limit=5", headers=hub.staff).json() == []   # nothing half-applied
    r = hub.push(*many[:1000])
    assert r.status_code == 200 and r.json()["counts"]["applied"] == 1000
    huge = hub.client.post("/api/v1/integrations/dossiers", content=b'{"items": ["' + b"x" * 5_000_000 + b'"]}',
                           headers={**hub.key, "Content-Type": "application/json"})
    assert huge.status_code == 413
    for body in (b"{not json", b'{"things": []}', b"[1, 2]"):
        r = hub.client.post("/api/v1/integrations/dossiers", content=body,
                            headers={**hub.key, "Content-Type": "application/json"})
        assert r.status_code == 422 and set(r.json()["error"]) == {"code", "message"}


def test_only_an_integration_key_may_push(hub):
    assert hub.push(item(1), headers={}).status_code == 401
    for headers in (hub.kiosk, hub.staff, hub.sup):
        r = hub.push(item(1), headers=headers)
        assert r.status_code == 403 and "integration" in r.json()["error"]["message"]
    assert hub.client.get(f"/api/v1/dossiers/{CODE.format(1)}").status_code == 404
    assert hub.client.get("/api/v1/integrations/health", headers=hub.key).status_code == 403


def test_contacts_are_erased_when_no_notice_can_follow(hub):
    hub.push(item(1), item(2))
    hub.push(item(1, status=7, at="2026-11-21T09:00:00+07:00"))          # withdrawn at the source
    row = hub.store.one("SELECT phone, email, zalo_id FROM dossiers WHERE code = ?", (CODE.format(1),))
    assert row == {"phone": None, "email": None, "zalo_id": None}
    # a result handed over here: status 10 stays, even if the source still says 9 afterwards
    hub.push(item(2, status=9, at="2026-11-21T09:00:00+07:00"))
    r = hub.client.post(f"/api/v1/dossiers/{CODE.format(2)}/handed-over", headers=hub.staff)
    assert r.status_code == 200 and r.json()["status"] == 10
    assert hub.store.one("SELECT phone FROM dossiers WHERE code = ?", (CODE.format(2),))["phone"] is None
    late = hub.push(item(2, status=9, at="2026-11-21T11:00:00+07:00")).json()["results"][0]
    assert late == {"code": CODE.format(2), "result": "unchanged", "reason": "result already handed over here"}
    assert hub.dossier(2)["status"] == 10
    assert hub.store.one("SELECT phone FROM dossiers WHERE code = ?", (CODE.format(2),))["phone"] is None


def test_handover_of_a_province_dossier_queues_one_report(hub):
    hub.push(item(1, status=9), item(2, status=9))
    local = hub.client.post("/api/v1/dossiers", json={"procedure": "x", "status": 9}, headers=hub.staff).json()
    hub.client.post(f"/api/v1/dossiers/{CODE.format(1)}/handed-over", headers=hub.staff)
    hub.client.post(f"/api/v1/dossiers/{CODE.format(1)}/handed-over", headers=hub.staff)   # clicked twice
    hub.client.post(f"/api/v1/dossiers/{CODE.format(2)}/handed-over", json={"channel": "post"}, headers=hub.staff)
    hub.client.post(f"/api/v1/dossiers/{local['code']}/handed-over", headers=hub.staff)   # not the province's
    pending = hub.client.get("/api/v1/integrations/results?state=pending", headers=hub.sup).json()
    assert sorted((p["code"], p["channel"]) for p in pending) == [(CODE.format(1), "counter"), (CODE.format(2), "post")]
    assert pending[0]["handed_over_at"] == "2026-11-23T08:00:00+07:00"
    dash = hub.client.get("/api/v1/dashboard", headers=hub.sup).json()
    assert dash["integrations"]["results"]["pending"] == 2
    hub.clock.advance(hours=2)
    dash = hub.client.get("/api/v1/dashboard", headers=hub.sup).json()
    assert "results_unacknowledged" in [a["code"] for a in dash["alerts"]]


VERSIONS = st.lists(st.tuples(st.integers(1, 10), st.integers(0, 10_000)), min_size=1, max_size=8,
                    unique_by=lambda v: v[1])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(versions=VERSIONS, order=st.randoms(use_true_random=False), cuts=st.lists(st.integers(1, 4), max_size=6))
def test_any_delivery_order_ends_at_the_newest_version(hub, versions, order, cuts):
    """Shuffled, duplicated, split across batches: the dossier ends at the version with the latest status_at."""
    n = hub.store.one("SELECT COUNT(*) AS n FROM dossiers")["n"] + 100
    t0 = datetime.fromisoformat("2026-11-20T08:00:00+07:00")
    sent = [item(n, status=s, at=(t0 + timedelta(minutes=m)).isoformat()) for s, m in versions]
    stream = sent + order.sample(sent, k=len(sent) // 2)
    order.shuffle(stream)
    while stream:
        size = cuts.pop() if cuts else len(stream)
        batch, stream = stream[:size], stream[size:]
        assert "rejected" not in hub.results(*batch)
    newest = max(versions, key=lambda v: v[1])
    got = hub.dossier(n)
    assert got["status"] == newest[0]
    assert got["status_at"] == (t0 + timedelta(minutes=newest[1])).isoformat()


def test_a_pushing_source_fetches_and_acknowledges_the_reports(hub):
    hub.push(item(1, status=9), item(2, status=9))
    for n, channel in ((1, "counter"), (2, "post")):
        hub.client.post(f"/api/v1/dossiers/{CODE.format(n)}/handed-over", json={"channel": channel}, headers=hub.staff)
    got = hub.client.get("/api/v1/integrations/results/outbox", headers=hub.key).json()["results"]
    assert [(r["code"], r["status"], r["channel"]) for r in got] == [(CODE.format(1), 10, "counter"),
                                                                     (CODE.format(2), 10, "post")]
    assert got[0]["handed_over_at"] == "2026-11-23T08:00:00+07:00" and got[0]["report_id"].startswith("motcua-")
    ack = hub.client.post("/api/v1/integrations/results/ack", json={"codes": [CODE.format(1)]}, headers=hub.key)
    assert ack.json() == {"acknowledged": 1}
    again = hub.client.post("/api/v1/integrations/results/ack", json={"codes": [CODE.format(1), "nope"]},
                            headers=hub.key)
    assert again.json() == {"acknowledged": 0}
    left = hub.client.get("/api/v1/integrations/results/outbox", headers=hub.key).json()["results"]
    assert [r["code"] for r in left] == [CODE.format(2)]
    assert hub.client.get("/api/v1/integrations/results/outbox", headers=hub.kiosk).status_code == 403
    health = hub.client.get("/api/v1/integrations/health", headers=hub.sup).json()["results"]
    assert health["acked"] == 1 and health["pending"] == 1

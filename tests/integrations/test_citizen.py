"""What the citizen sees of a synced dossier: plain next steps in the lookup, and a notice at each
moment that matters (only with consent, never twice for the same change)."""
from __future__ import annotations

import json

from tests.integrations.conftest import CODE, item


def kinds(hub, n: int) -> list[str]:
    rows = hub.client.get(f"/api/v1/notices?dossier={CODE.format(n)}", headers=hub.sup).json()
    return [r["kind"] for r in sorted(rows, key=lambda r: r["id"])]


def test_notices_at_the_moments_that_matter_once_each(hub):
    agreed = dict(consent=True, zalo_id="zl-77", email=None)
    hub.push(item(1, status=2, at="2026-11-20T09:00:00+07:00", **agreed))
    hub.push(item(1, status=2, at="2026-11-20T09:00:00+07:00", **agreed))          # a retry
    hub.push(item(1, status=4, at="2026-11-20T10:00:00+07:00"))                     # nothing to say
    hub.push(item(1, status=5, at="2026-11-21T10:00:00+07:00"))
    hub.push(item(1, status=2, at="2026-11-20T09:00:00+07:00", **agreed))          # stale
    hub.push(item(1, status=4, at="2026-11-24T10:00:00+07:00", due_at="2026-12-09T17:00:00+07:00"))  # later date
    hub.push(item(1, status=6, at="2026-11-25T10:00:00+07:00", due_at="2026-12-09T17:00:00+07:00"))
    hub.push(item(1, status=9, at="2026-11-26T10:00:00+07:00", due_at="2026-12-09T17:00:00+07:00"))
    assert kinds(hub, 1) == ["received", "supplement", "delayed", "fee", "result_ready"]   # sample site: file channel
    hub.client.post("/api/v1/notices/run", headers=hub.sup)
    texts = [json.loads(f.read_text(encoding="utf-8"))["text"] for f in sorted(
        (hub.app.state.settings.db_path.parent / "outbox").glob("*.json"))]
    assert any("mang giấy tờ còn thiếu" in t for t in texts)
    assert any("Ngày hẹn trả mới: 09/12/2026" in t and "New due date: 09/12/2026" in t for t in texts)
    assert any("nộp tại quầy hoặc trực tuyến" in t for t in texts)
    assert any("đến quầy trả kết quả" in t for t in texts)
    assert not any("Nguyễn" in t or "0912345678" in t for t in texts)


def test_no_consent_no_notice(hub):
    hub.push(item(2, status=2), item(3, status=2, consent=False))
    hub.push(item(2, status=5, at="2026-11-21T10:00:00+07:00"), item(3, status=5, at="2026-11-21T10:00:00+07:00"))
    assert kinds(hub, 2) == [] and kinds(hub, 3) == []
    bad = hub.push(item(4, consent="maybe")).json()["results"][0]
    assert bad["result"] == "rejected" and "consent" in bad["reason"]


def test_lookup_says_what_to_do_next(hub):
    steps = {}
    for n, status in ((1, 4), (2, 5), (3, 6), (4, 9), (5, 3)):
        hub.push(item(n, status=status))
        d = hub.dossier(n, anonymous=True)          # what the citizen sees
        steps[status] = (d["next_step"], d["next_step_en"], d["overdue"])
    assert "Ngày hẹn trả kết quả: 04/12/2026" in steps[4][0] and "nothing to do" in steps[4][1]
    assert "bổ sung" in steps[5][0] and "More documents" in steps[5][1]
    assert "nộp phí" in steps[6][0] and "Fees" in steps[6][1]
    assert "quầy trả kết quả" in steps[9][0] and not steps[9][2]
    assert "không được tiếp nhận" in steps[3][0]
    r = hub.client.post(f"/api/v1/dossiers/{CODE.format(4)}/handed-over", headers=hub.staff)
    assert r.status_code == 200 and hub.dossier(4, anonymous=True)["next_step"] == "Đã trả kết quả ngày 23/11/2026."
    hub.clock.advance(days=12)                                     # past 04/12 17:00 and still processing
    late = hub.dossier(1, anonymous=True)
    assert late["overdue"] and "quá ngày hẹn trả (04/12/2026)" in late["next_step"]
    assert not hub.dossier(4, anonymous=True)["overdue"]

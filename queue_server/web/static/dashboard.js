// Supervisor dashboard: one JSON document, re-read every 5 s and soon after
// any event, rendered into four tables, the locker banks and an alert list.
"use strict";

const $ = (id) => document.getElementById(id);
let timer = null;
const en = PAGE.lang === "en";
const nm = (o) => (en ? o.name_en : o.name) || o.name;
const mins = (m) => (m === null || m === undefined) ? "—" : `${Math.round(m)} ${t("minutes")}`;

function row(cells, cls = "") {
  return el("tr", { class: cls }, ...cells.map((c) => (c instanceof Node ? el("td", {}, c) : el("td", { text: String(c) }))));
}

async function acknowledge(alert, btn) {
  btn.disabled = true;
  try {
    await api(`/api/v1/lockers/alerts/${alert.id}/ack`, { method: "POST" });
    $("updated").textContent = t("acknowledged");
  } catch (e) { btn.disabled = false; $("updated").textContent = localMessage(e.message); }
  refreshSoon();
}

function render(d, lockers) {
  const items = [...Lockers.alertItems(lockers, acknowledge), ...d.alerts.map((a) =>
    el("li", { class: "alert " + a.level, "data-code": a.code, text: en ? a.message_en : a.message }))];
  $("alerts").replaceChildren(...(items.length ? items : [el("li", { class: "muted", text: t("no_alerts") })]));
  Lockers.renderBanks($("banks"), lockers);
  Lockers.renderBoards($("boards"), d.devices);
  $("counters").tBodies[0].replaceChildren(...d.counters.map((c) => {
    const cur = c.current ? el("span", { class: c.current.priority ? "prio" : "", text: c.current.number + (c.current.priority ? " ★" : "") }) : "—";
    const state = el("span", { class: "pill " + c.activity, text: t("counter_" + (c.activity === "idle" ? "open" : c.activity)) });
    const who = c.officer ? `${nm(c)} · ${c.officer}` : nm(c);   // who is signed in there
    return row([who, state, cur, c.activity === "idle" ? mins(c.idle_minutes) : (c.activity === "paused" ? mins(c.paused_minutes) : "—"), c.served_today], "c-" + c.activity);
  }));
  $("services").tBodies[0].replaceChildren(...d.services.map((s) =>
    row([`${s.letter} – ${nm(s)}`, s.waiting + (s.priority_waiting ? ` (★${s.priority_waiting})` : ""), s.waiting ? mins(s.longest_wait_min) : "—", s.open_counters],
        s.waiting && s.longest_wait_min >= s.max_wait_min ? "late" : "")));
  $("appointments").tBodies[0].replaceChildren(...(d.appointments || []).map((a) =>
    row([nm(a), a.booked, a.checked_in, a.no_show, a.expected, a.cancelled], a.no_show ? "late" : "")));
  $("devices").tBodies[0].replaceChildren(...d.devices.map((dv) => {
    const label = (key, fallback) => (window.I18N[key] || fallback);
    const parts = Object.entries(dv.components).map(([k, v]) =>
      `${compLabel(k)}: ${label("status_" + v.status, v.status)}${v.detail ? " (" + v.detail + ")" : ""}`).join(", ");
    const status = dv.stale ? "offline" : dv.status;
    return row([dv.device, el("span", { class: "pill " + (dv.stale ? "error" : dv.status), text: label("status_" + status, status) }), parts, (dv.reported_at || "").slice(11, 19)]);
  }));
  renderSync(d.integrations);
  if (d.postal) { $("postal-ready").textContent = String(d.postal.ready); $("postal-processing").textContent = String(d.postal.processing); }
  const r = d.ratings;
  $("ratings").replaceChildren(
    el("dt", { text: t("very_satisfied") }), el("dd", { text: String(r.levels.very_satisfied) }),
    el("dt", { text: t("satisfied") }), el("dd", { text: String(r.levels.satisfied) }),
    el("dt", { text: t("dissatisfied") }), el("dd", { text: `${r.levels.dissatisfied} (${r.dissatisfied_pct}%)` }));
  renderShipping(d.shipping);
  $("updated").textContent = `${t("updated")} ${(d.now || "").slice(11, 19)}`;
  document.body.dataset.synced = String(Date.now());
}

// Shipping to the province (only when [province] is configured): rows not yet sent, lag.
function renderShipping(s) {
  $("shipping-card").hidden = !s;
  if (!s) return;
  const lag = s.lag_seconds >= 120 ? mins(s.lag_seconds / 60) : `${s.lag_seconds} s`;
  $("shipping").replaceChildren(
    el("dt", { text: t("shipping_pending") }), el("dd", { text: String(s.pending) }),
    el("dt", { text: t("shipping_lag") }), el("dd", { class: s.lag_seconds > 600 ? "late" : "", text: lag }),
    el("dt", { text: t("shipping_last_ack") }), el("dd", { text: s.last_ack ? s.last_ack.slice(0, 19).replace("T", " ") : "—" }),
    el("dt", { text: t("shipping_state") }), el("dd", { "data-state": s.state, text: t("shipping_" + s.state) + (s.error ? ` (${s.error})` : "") }));
}

// Province dossier sync: one row per source (pull adapter, pushing systems), then the
// status-10 reports the province has not acknowledged yet.
function renderSync(sync) {
  const rows = sync.sources.map((s) => row([
    s.url === "push" ? s.name : s.url,
    el("span", { class: "pill " + (s.ok ? "ok" : (s.failures >= 3 ? "error" : "warning")), text: t(s.ok ? "status_ok" : "status_error") }),
    (s.last_success_at || "—").replace("T", " ").slice(0, 19),
    s.lag_s === null ? "—" : `${Math.round(s.lag_s)} ${t("seconds")}`,
    `${s.applied_total} / ${s.rejected_total}`,
    s.last_error || "—"]));
  $("sync-sources").tBodies[0].replaceChildren(...(rows.length ? rows : [el("tr", {}, el("td", { colspan: "6", class: "muted", text: t("sync_none") }))]));
  const pending = sync.results.unacknowledged.map((r) => el("li", { class: "alert " + (r.state === "failed" ? "error" : "warning"), "data-code": r.code,
    text: [r.code, t("channel_" + r.channel), (r.handed_over_at || "").replace("T", " ").slice(0, 16),
      r.attempts ? `${r.attempts} ${t("tries")}: ${r.last_error || ""}` : ""].filter(Boolean).join(" · ") }));
  $("sync-unacked").replaceChildren(...(pending.length ? pending : [el("li", { class: "muted", text: t("sync_all_acked") })]));
}

async function refresh() {
  try { const [d, lockers] = await Promise.all([api("/api/v1/dashboard"), Lockers.load()]); render(d, lockers); } catch (e) { $("updated").textContent = localMessage(e.message); }
}

function refreshSoon() { clearTimeout(timer); timer = setTimeout(refresh, 300); }

window.addEventListener("DOMContentLoaded", () => {
  refresh();
  setInterval(refresh, 5000);
  new EventStream({ onEvent: (ev) => { if (ev.type !== "hello") refreshSoon(); }, onOpen: refreshSoon });
});

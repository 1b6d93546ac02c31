// Rating tablet at one counter: after "finish" it asks the citizen to rate
// the ticket just served. One rating per ticket (the server says so clearly).
"use strict";

const R = { target: null, level: null, thanksTimer: null, sending: false };
const $ = (id) => document.getElementById(id);

function show(which) {
  for (const id of ["idle", "ask", "thanks"]) $(id).hidden = id !== which;
  document.body.dataset.view = which;
}

function ask(target) {
  R.target = target; R.level = null;
  $("r-ticket").textContent = target.ticket.number;
  $("r-service").textContent = PAGE.lang === "en" ? target.ticket.service_name_en : target.ticket.service_name;
  $("r-officer").textContent = target.officer_name || target.officer || "—";
  $("reason-form").hidden = true; $("reason").value = ""; $("r-error").textContent = "";
  for (const b of document.querySelectorAll(".lvl")) b.classList.remove("chosen");
  show("ask");
}

async function loadPending() {
  if (!$("thanks").hidden) return;   // let the citizen read "thank you" first
  try {
    const target = await api(`/api/v1/ratings/pending?counter=${encodeURIComponent(PAGE.counter)}`);
    if (R.sending || !$("thanks").hidden) return;   // a rating was sent meanwhile
    if (target) { if (!R.target || R.target.ticket.id !== target.ticket.id || $("ask").hidden) ask(target); }
    else { R.target = null; show("idle"); }
  } catch (e) { $("r-error").textContent = localMessage(e.message); }
}

async function send(level, reason) {
  $("r-error").textContent = "";
  R.sending = true;
  try {
    await api("/api/v1/ratings", { method: "POST", body: { ticket_id: R.target.ticket.id, level, reason: reason || null } });
    R.target = null;
    show("thanks");
    clearTimeout(R.thanksTimer);
    R.thanksTimer = setTimeout(() => { show("idle"); loadPending(); }, PAGE.thanks_ms || 6000);
  } catch (e) {
    $("r-error").textContent = localMessage(e.message);
  } finally {
    R.sending = false;
  }
}

window.addEventListener("DOMContentLoaded", () => {
  show("idle");
  for (const b of document.querySelectorAll(".lvl")) {
    b.addEventListener("click", () => {
      if (!R.target) return;
      for (const o of document.querySelectorAll(".lvl")) o.classList.toggle("chosen", o === b);
      R.level = b.dataset.level;
      if (R.level === "dissatisfied") { $("reason-form").hidden = false; $("reason").focus(); }
      else send(R.level);
    });
  }
  for (const c of document.querySelectorAll(".chip")) {
    c.addEventListener("click", () => {
      const r = $("reason");
      r.value = r.value ? `${r.value}; ${c.textContent}` : c.textContent;
    });
  }
  $("reason-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const reason = $("reason").value.trim();
    if (!reason) { $("r-error").textContent = t("reason_required"); $("reason").focus(); return; }
    send("dissatisfied", reason);
  });
  new EventStream({
    types: ["ticket.finished", "rating."],
    onEvent: (ev) => {
      if (ev.type === "ticket.finished" && (ev.counter || (ev.ticket || {}).counter) === PAGE.counter) loadPending();
      if (ev.type === "rating.created" && ev.counter === PAGE.counter && R.target && ev.ticket === R.target.ticket.number && !R.sending && $("thanks").hidden) loadPending();
    },
    onOpen: () => {
      $("conn").className = "conn on"; $("conn").textContent = t("online");
      loadPending();
    },
    onClose: () => { $("conn").className = "conn off"; $("conn").textContent = t("offline"); },
  });
});

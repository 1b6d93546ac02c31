// Hall display: now calling, last 6 calls, waiting per service, clock, voice.
// Live over the events WebSocket; on every (re)connect the whole state is
// re-read over REST, so a display that was offline is right again at once.
"use strict";

const RECENT_MAX = 6;
const GAP_ANNOUNCE_S = 60;   // calls missed during a short gap are still announced
const state = { recent: [], services: new Map(), counters: [], announced: new Set(), lastCallTs: 0, loaded: false,
                offset: PAGE.now ? Date.parse(PAGE.now) - Date.now() : 0 };

function callKey(ticket, type) { return `${ticket.id}:${ticket.recalls || 0}:${type}`; }
function ts(iso) { return iso ? Date.parse(iso) : 0; }

const queue = new AudioQueue({
  rate: PAGE.speed || 1,
  fetchClip: async (item) => {
    const q = new URLSearchParams({ ticket: item.number, counter: item.counter, lang: PAGE.voice_lang || "vi" });
    const headers = PAGE.token ? { Authorization: "Bearer " + PAGE.token } : {};
    let lastErr;
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const res = await fetch(`/api/v1/voice/call.wav?${q}`, { headers });
        if (res.ok) return await res.blob();
        lastErr = new Error(`voice HTTP ${res.status}`);
      } catch (e) { lastErr = e; }
      await new Promise((r) => setTimeout(r, 500 * (attempt + 1)));
    }
    throw lastErr;
  },
  onBlocked: () => { document.getElementById("enable-sound").hidden = false; },
  onUnblocked: () => { document.getElementById("enable-sound").hidden = true; },
});
window.displayQueue = queue;

function announce(ticket, type) {
  const key = callKey(ticket, type);
  if (state.announced.has(key)) return;
  state.announced.add(key);
  queue.enqueue({ key, number: ticket.number, counter: ticket.counter });
}

function renderNow() {
  const now = state.recent[0];
  const box = document.getElementById("now");
  box.dataset.empty = now ? "0" : "1";
  document.getElementById("now-number").textContent = now ? now.number : "—";
  document.getElementById("now-counter").textContent = now ? now.counter : "—";
  document.getElementById("now-service").textContent = now ? serviceName(now) : "";
  document.getElementById("now-priority").hidden = !(now && now.priority);
}

function renderRecent() {
  const body = document.querySelector("#recent tbody");
  body.replaceChildren(...state.recent.slice(0, RECENT_MAX).map((c, i) =>
    el("tr", { class: (i === 0 ? "latest " : "") + (c.priority ? "prio" : ""), "data-number": c.number },
      el("td", { class: "num", text: c.number }), el("td", { class: "ctr", text: c.counter }))));
}

function renderServices() {
  const list = document.getElementById("services");
  list.replaceChildren(...[...state.services.values()].map((s) =>
    el("li", { "data-service": s.code, "data-open": String(s.open_counters !== 0) },
      el("span", { class: "letter", text: s.letter }),
      el("span", { class: "name", text: PAGE.lang === "en" ? s.name_en : s.name }),
      s.open_counters === 0 ? el("span", { class: "closed", text: t("no_counter_open") }) : null,
      el("span", { class: "count", text: String(s.waiting) }))));
}

// Which counters someone is signed in to: a counter nobody holds is closed, and says so.
function renderCounters() {
  const open = state.counters.filter((c) => c.state !== "closed").map((c) => c.code);
  const closed = state.counters.filter((c) => c.state === "closed").map((c) => c.code);
  const box = document.getElementById("counters");
  box.replaceChildren(
    el("span", { class: "open", text: `${t("counters_open")}: ${open.join(" · ") || "—"}` }),
    closed.length ? el("span", { class: "shut", text: `${t("counters_closed")}: ${closed.join(" · ")}` }) : "");
  box.dataset.closed = closed.join(",");
}

async function refreshCounters() {
  try {
    const [counters, services] = await Promise.all([api("/api/v1/counters"), api("/api/v1/services")]);
    state.counters = counters;
    state.services = new Map(services.map((s) => [s.code, s]));
    renderCounters(); renderServices();
  } catch (e) { console.warn("counters refresh failed", e); }
}

function flash() {
  const box = document.getElementById("now");
  box.classList.remove("flash"); void box.offsetWidth; box.classList.add("flash");
}

function pushCall(ticket, type) {
  state.recent = state.recent.filter((c) => c.id !== ticket.id);
  state.recent.unshift(ticket);
  state.recent.length = Math.min(state.recent.length, RECENT_MAX);
  state.lastCallTs = Math.max(state.lastCallTs, ts(ticket.called_at));
  renderNow(); renderRecent(); flash();
  announce(ticket, type);
}

async function catchUp() {
  const site = await api("/api/v1/site");
  if (site.now) state.offset = Date.parse(site.now) - Date.now();
  document.getElementById("rule").textContent = (PAGE.lang === "en" ? site.calling_rule_en : site.calling_rule) || "";
  const [services, board, counters] = await Promise.all([api("/api/v1/services"),
    api(`/api/v1/board/calls?limit=${RECENT_MAX}`), api("/api/v1/counters")]);
  state.services = new Map(services.map((s) => [s.code, s]));
  state.counters = counters;
  const called = board.calls;   // newest call first
  // Calls made while we were away: announce the recent ones, oldest first.
  if (state.loaded) {
    const horizon = Date.now() + (state.offset || 0) - GAP_ANNOUNCE_S * 1000;
    const missed = called.filter((tk) => ["called", "serving"].includes(tk.state) && ts(tk.called_at) > state.lastCallTs && ts(tk.called_at) > horizon);
    for (const tk of missed.reverse()) announce(tk, tk.recalls ? "ticket.recalled" : "ticket.called");
  } else {
    for (const tk of called) state.announced.add(callKey(tk, tk.recalls ? "ticket.recalled" : "ticket.called"));
  }
  // Merge with calls that arrived on the socket while we were fetching, so a
  // slightly older REST answer never hides a newer call.
  const byId = new Map();
  for (const tk of [...called, ...state.recent.filter((c) => c.day === board.day)]) {
    const seen = byId.get(tk.id);
    if (!seen || ts(tk.called_at) > ts(seen.called_at)) byId.set(tk.id, tk);
  }
  state.recent = [...byId.values()].sort((a, b) => ts(b.called_at) - ts(a.called_at) || b.id - a.id).slice(0, RECENT_MAX);
  if (called.length) state.lastCallTs = Math.max(state.lastCallTs, ts(called[0].called_at));
  state.loaded = true;
  renderNow(); renderRecent(); renderServices(); renderCounters();
  document.body.dataset.synced = String(Date.now());
}

function setConn(live) {
  const c = document.getElementById("conn");
  c.className = "conn " + (live ? "on" : "off");
  c.textContent = live ? t("online") : t("offline");
  document.body.dataset.live = live ? "1" : "0";
}

async function syncWithRetry(stream) {
  for (;;) {
    try { await catchUp(); return; } catch (e) {
      console.warn("display catch-up failed", e);
      if (!stream.connected) return;    // the next onOpen will try again
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

function onEvent(ev) {
  if (ev.at) state.offset = Date.parse(ev.at) - Date.now();
  if (ev.type === "ticket.called" || ev.type === "ticket.recalled") {
    const tk = Object.assign({}, ev.ticket, { counter: ev.counter || ev.ticket.counter });
    pushCall(tk, ev.type);
  } else if (ev.type === "queue.changed") {
    const s = state.services.get(ev.service);
    if (s) { s.waiting = ev.waiting; renderServices(); }
  } else if (ev.type === "counter.signed_in" || ev.type === "counter.signed_out") {
    refreshCounters();
  } else if (ev.type === "ticket.no_show" || ev.type === "ticket.cancelled") {
    // nothing on the board changes: the call stays in the history
  }
}

function tickClock() {
  const now = centerNow();
  document.getElementById("clock-time").textContent = now.time;
  document.getElementById("clock-date").textContent = `${WEEKDAYS[PAGE.lang][now.weekday]}, ${now.date}`;
}

window.addEventListener("DOMContentLoaded", () => {
  tickClock(); setInterval(tickClock, 1000);
  setConn(false);
  document.getElementById("enable-sound").addEventListener("click", () => queue.unlock());
  if (navigator.getAutoplayPolicy && navigator.getAutoplayPolicy("mediaelement") !== "allowed") {
    queue.blocked = true; document.getElementById("enable-sound").hidden = false;
  }
  const stream = new EventStream({
    types: ["ticket.", "queue.", "counter."],
    onEvent,
    onOpen: () => { setConn(true); syncWithRetry(stream); },
    onClose: () => setConn(false),
  });
  window.displayStream = stream;
});

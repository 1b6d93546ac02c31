// Officer console: one counter, one current ticket, one key per action.
// Every action is a REST call; the page re-reads its state after each action
// and after each event on the WebSocket, so two consoles never disagree.
"use strict";

const S = { counter: null, current: null, paused: false, busy: false, timer: null, presence: "closed", officer: null,
           offset: PAGE.now ? Date.parse(PAGE.now) - Date.now() : 0 };
const $ = (id) => document.getElementById(id);

function counterCfg() { return PAGE.counters.find((c) => c.code === S.counter); }

function say(text, kind = "") {
  const m = $("message");
  m.textContent = text; m.className = "message " + kind;
}

function chooseCounter(code) {
  S.counter = code || null;
  if (code) localStorage.setItem("motcua.counter", code); else localStorage.removeItem("motcua.counter");
  $("counter-select").value = code || "";
  $("chooser").hidden = !!code;
  $("workspace").hidden = !code;
  if (code) refresh();
}

function minutesSince(iso) {
  if (!iso) return "";
  const m = Math.max(0, Math.round((Date.now() + (S.offset || 0) - Date.parse(iso)) / 60000));
  return `${m} ${t("minutes")}`;
}

function renderCurrent() {
  const tk = S.current;
  $("current").dataset.state = tk ? tk.state : "none";
  $("cur-number").textContent = tk ? tk.number : t("no_ticket");
  $("cur-service").textContent = tk ? serviceName(tk) : "";
  $("cur-state").textContent = tk ? t("state_" + tk.state) : "";
  $("cur-since").textContent = tk ? minutesSince(tk.started_at || tk.called_at) : "";
  const prio = $("cur-priority");
  prio.hidden = !(tk && tk.priority);
  if (tk && tk.priority) {
    const g = PAGE.priority_groups[tk.priority] || {};
    prio.textContent = `★ ${t("priority")}: ${(PAGE.lang === "en" ? g.name_en : g.name) || tk.priority_name || tk.priority}`;
  }
  $("cur-appointment").hidden = !(tk && tk.channel === "appointment");   // booked online, checked in at the kiosk
  const st = tk ? tk.state : null;
  $("act-call").disabled = S.paused || S.presence === "other";
  $("presence").dataset.presence = S.presence;
  const who = S.officer ? S.officer.name : "";
  $("presence-text").textContent = t("presence_" + S.presence).replace("{name}", who);
  $("act-presence").textContent = S.presence === "you" ? t("presence_sign_out") : t("presence_sign_in");
  $("act-presence").disabled = S.presence === "other";
  $("act-recall").disabled = st !== "called";
  $("act-start").disabled = st !== "called";
  $("act-finish").disabled = !(st === "called" || st === "serving");
  $("act-noshow").disabled = st !== "called";
  $("act-transfer").disabled = !(st === "called" || st === "serving");
  $("pause-label").textContent = S.paused ? t("resume") : t("pause");
  $("paused-banner").hidden = !S.paused;
}

function renderWaiting(services) {
  const mine = new Set((counterCfg() || { services: [] }).services);
  $("waiting").replaceChildren(...services.filter((s) => mine.has(s.code)).map((s) =>
    el("li", { "data-service": s.code },
      el("span", { class: "letter", text: s.letter }),
      el("span", { class: "name", text: PAGE.lang === "en" ? s.name_en : s.name }),
      el("b", { class: "count", text: String(s.waiting) }))));
}

function renderTally(tally) {
  $("tally-done").textContent = tally.done;
  $("tally-noshow").textContent = tally.no_show;
  $("tally-transferred").textContent = tally.transferred;
  $("tally-avg").textContent = tally.avg_service_min === null ? "—" : `${tally.avg_service_min.toFixed(1)} ${t("minutes")}`;
}

async function refresh() {
  if (!S.counter) return;
  try {
    const [counters, services, tally] = await Promise.all([
      api("/api/v1/counters"), api("/api/v1/services"), api(`/api/v1/console/${encodeURIComponent(S.counter)}/tally`),
    ]);
    const me = counters.find((c) => c.code === S.counter);
    S.current = me ? me.current : null;
    S.paused = !!(me && me.state === "paused");
    S.officer = me ? me.officer : null;
    S.presence = !S.officer ? "closed" : (S.officer.name === PAGE.display_name ? "you" : "other");
    renderCurrent(); renderWaiting(services); renderTally(tally);
    document.body.dataset.synced = String(Date.now());
  } catch (e) {
    say(localMessage(e.message), "error");
  }
}

function refreshSoon() { clearTimeout(S.timer); S.timer = setTimeout(refresh, 120); }

async function act(fn) {
  if (S.busy || !S.counter) return;
  S.busy = true; say("");
  try { await fn(); } catch (e) { say(localMessage(e.message), "error"); } finally { S.busy = false; await refresh(); }
}

const actions = {
  call: () => act(async () => {
    const tk = await api(`/api/v1/counters/${S.counter}/call-next`, { method: "POST", body: {} });
    if (!tk) say(t("nobody_waiting"), "info"); else { S.current = tk; renderCurrent(); }
  }),
  recall: () => S.current && act(() => api(`/api/v1/tickets/${S.current.id}/recall`, { method: "POST" })),
  start: () => S.current && act(() => api(`/api/v1/tickets/${S.current.id}/start`, { method: "POST" })),
  finish: () => S.current && act(() => api(`/api/v1/tickets/${S.current.id}/finish`, { method: "POST" })),
  noshow: () => S.current && act(() => api(`/api/v1/tickets/${S.current.id}/no-show`, { method: "POST" })),
  transfer: () => {
    if (!S.current || !["called", "serving"].includes(S.current.state)) return;
    const sel = $("transfer-service");
    const other = [...sel.options].find((o) => o.value !== S.current.service);
    if (sel.value === S.current.service && other) sel.value = other.value;
    $("transfer-dialog").showModal(); sel.focus();
  },
  pause: () => act(() => api(`/api/v1/counters/${S.counter}/${S.paused ? "resume" : "pause"}`, { method: "POST" })),
  presence: () => act(() => api(`/api/v1/counters/${S.counter}/${S.presence === "you" ? "sign-out" : "sign-in"}`, { method: "POST" })),
};

const BUTTONS = { call: "act-call", recall: "act-recall", start: "act-start", finish: "act-finish",
                  noshow: "act-noshow", transfer: "act-transfer", pause: "act-pause", presence: "act-presence" };

window.addEventListener("DOMContentLoaded", () => {
  for (const [name, id] of Object.entries(BUTTONS)) $(id).addEventListener("click", () => actions[name]());
  $("counter-select").addEventListener("change", (e) => chooseCounter(e.target.value));
  for (const b of document.querySelectorAll("#chooser [data-counter]")) b.addEventListener("click", () => chooseCounter(b.dataset.counter));
  $("transfer-cancel").addEventListener("click", () => $("transfer-dialog").close());
  $("transfer-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const service = $("transfer-service").value;
    $("transfer-dialog").close();
    const from = S.current;
    act(async () => {
      const fresh = await api(`/api/v1/tickets/${from.id}/transfer`, { method: "POST", body: { service } });
      say(`${t("transferred")}: ${fresh.number} → ${serviceName(fresh)}`, "info");   // the visitor keeps the number
    });
  });
  document.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
    if ($("transfer-dialog").open || ["INPUT", "SELECT", "TEXTAREA"].includes(document.activeElement.tagName)) return;
    const btn = document.querySelector(`.actions button[data-key="${e.key.toLowerCase()}"]`);
    if (btn && !btn.disabled) { e.preventDefault(); btn.click(); }
  });
  const start = PAGE.counter || localStorage.getItem("motcua.counter");
  chooseCounter(PAGE.counters.some((c) => c.code === start) ? start : null);
  setInterval(renderCurrent, 30000);   // keep "n min" fresh
  // An officer working at the console (a touch, a key) stays signed in; one who walked away
  // is signed out by the server after the site's idle time and the counter closes.
  let activeAt = 0, pingedAt = Date.now();
  for (const kind of ["pointerdown", "keydown"]) document.addEventListener(kind, () => { activeAt = Date.now(); });
  setInterval(() => {
    if (S.presence === "you" && activeAt > pingedAt && !S.busy) {
      pingedAt = Date.now();
      api(`/api/v1/counters/${S.counter}/sign-in`, { method: "POST" }).catch(() => refreshSoon());
    }
  }, 60000);
  new EventStream({
    types: ["ticket.", "queue.", "counter."],
    onEvent: (ev) => {
      if (ev.at) S.offset = Date.parse(ev.at) - Date.now();
      if (ev.type !== "hello") refreshSoon();
    },
    onOpen: () => refresh(),
  });
});

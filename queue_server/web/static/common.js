// Shared by every page: translated strings, JSON API calls with the page's
// credential, and a WebSocket that reconnects by itself and tells the page
// to catch up (re-read the state over REST) every time it is (re)opened.
"use strict";

// The page's data comes as JSON blocks in the HTML (no inline script under the CSP).
function pageData(id) {
  const node = document.getElementById(id);
  try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
}
window.I18N = pageData("i18n-data");
window.PAGE = pageData("page-data");

function t(key) { return (window.I18N && window.I18N[key]) || key; }

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, { method = "GET", body, token = window.PAGE && window.PAGE.token } = {}) {
  const headers = { "Accept": "application/json" };
  if (token) headers["Authorization"] = "Bearer " + token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: "no-store" });
  if (res.status === 204) return null;
  let data = null;
  try { data = await res.json(); } catch (e) { /* not JSON */ }
  if (!res.ok) {
    const err = (data && data.error) || {};
    throw new ApiError(res.status, err.code || "http_" + res.status, err.message || res.statusText);
  }
  return data;
}

// Messages are "Vietnamese / English": show the half of the page's language.
function localMessage(message) {
  if (!message) return "";
  const parts = String(message).split(" / ");
  if (parts.length < 2) return message;
  return (window.PAGE && window.PAGE.lang === "en") ? parts.slice(1).join(" / ") : parts[0];
}

class EventStream {
  constructor({ types = null, onEvent, onOpen = () => {}, onClose = () => {}, retryMs = 500 }) {
    this.types = types; this.onEvent = onEvent; this.onOpen = onOpen; this.onClose = onClose;
    this.retryMs = retryMs; this.ws = null; this.stopped = false; this.connects = 0;
    this.lastMessageAt = 0;
    this._connect();
    // A half-open TCP connection (cable pulled, box frozen) may never fire
    // `close`: after 20 s of silence ask the server over HTTP; no answer
    // within 3 s means the link is dead, so drop it and reconnect.
    this._watchdog = setInterval(() => this._probe(), 5000);
  }

  url() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    const q = new URLSearchParams();
    if (window.PAGE && window.PAGE.token) q.set("token", window.PAGE.token);
    if (this.types) q.set("types", this.types.join(","));
    return `${proto}//${location.host}/api/v1/events?${q}`;
  }

  _connect() {
    if (this.stopped) return;
    let ws;
    try { ws = new WebSocket(this.url()); } catch (e) { this._retry(); return; }
    this.ws = ws;
    ws.onopen = () => { this.connects += 1; this.lastMessageAt = Date.now(); this.onOpen(this.connects); };
    ws.onmessage = (msg) => {
      this.lastMessageAt = Date.now();
      let event;
      try { event = JSON.parse(msg.data); } catch (e) { return; }
      this.onEvent(event);
    };
    ws.onclose = () => { if (this.ws === ws) { this.ws = null; this.onClose(); this._retry(); } };
    ws.onerror = () => { try { ws.close(); } catch (e) { /* already closed */ } };
  }

  async _probe() {
    if (!this.connected || Date.now() - this.lastMessageAt < 20000) return;
    const ws = this.ws;
    try {
      const ctl = new AbortController();
      const timer = setTimeout(() => ctl.abort(), 3000);
      const res = await fetch("/api/v1/health", { cache: "no-store", signal: ctl.signal });
      clearTimeout(timer);
      if (res.ok) { this.lastMessageAt = Date.now(); return; }
    } catch (e) { /* unreachable: fall through */ }
    if (this.ws === ws && ws) ws.close();
  }

  _retry() { if (!this.stopped) setTimeout(() => this._connect(), this.retryMs); }
  get connected() { return !!(this.ws && this.ws.readyState === WebSocket.OPEN); }
}

function pad2(n) { return String(n).padStart(2, "0"); }

const WEEKDAYS = {
  vi: ["Chủ nhật", "Thứ hai", "Thứ ba", "Thứ tư", "Thứ năm", "Thứ sáu", "Thứ bảy"],
  en: ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
};

// Wall clock of the center (Asia/Ho_Chi_Minh), whatever the TV's own time zone.
function centerNow() {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short", hour12: false,
  }).formatToParts(new Date());
  const get = (type) => (parts.find((p) => p.type === type) || {}).value;
  const wd = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(get("weekday"));
  return { time: `${get("hour")}:${get("minute")}:${get("second")}`, date: `${get("day")}/${get("month")}/${get("year")}`, weekday: wd };
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function serviceName(obj) {
  if (!obj) return "";
  return (window.PAGE && window.PAGE.lang === "en" && obj.service_name_en) ? obj.service_name_en : (obj.service_name || obj.name || "");
}

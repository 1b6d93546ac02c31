// /stats: a range and a breakdown → figures, charts (Chart.js, served from the box) and downloads.
"use strict";

const BY = ["service", "counter", "officer", "priority", "channel", "hour", "day"];
const COLS = [["issued", "issued"], ["served", "served_n"], ["no_show", "no_show_n"], ["cancelled", "cancelled_n"],
  ["transferred", "transferred_n"], ["wait_mean_min", "wait_mean"], ["wait_p50_min", "wait_p50"],
  ["wait_p90_min", "wait_p90"], ["wait_max_min", "wait_max"], ["service_mean_min", "service_mean"],
  ["service_p90_min", "service_p90"]];
const COLOURS = { navy: "#0b3a6e", blue: "#1565c0", sky: "#64b5f6", gold: "#f9a825", green: "#2e7d32", grey: "#90a4ae" };
const charts = {};
const en = () => window.PAGE.lang === "en";

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c === null || c === undefined ? "" : c);
  return node;
}

function num(v, digits = 1) {
  if (v === null || v === undefined) return "–";
  return Number(v).toLocaleString(en() ? "en-GB" : "vi-VN", { maximumFractionDigits: digits });
}

function label(by, row) {
  if (by === "service") {
    const s = window.PAGE.services.find((x) => x.code === row.key);
    return s ? (en() ? s.name_en : s.name) : row.key;
  }
  if (by === "priority") {
    if (!row.key) return t("no_priority");
    const g = window.PAGE.priority_groups[row.key];
    return g ? (en() ? g.name_en : g.name) : row.key;
  }
  if (by === "counter") {
    const c = window.PAGE.counters.find((x) => x.code === row.key);
    return c ? (en() ? c.name_en : c.name) : (row.key || "–");
  }
  if (by === "hour") return String(row.key).padStart(2, "0") + ":00";
  return row.key || "–";
}

function params() {
  const form = new FormData(document.getElementById("range"));
  return { from: form.get("from"), to: form.get("to"), by: form.get("by") };
}

async function stats(by, p) {
  return api(`/api/v1/stats?from=${p.from}&to=${p.to}&by=${by}`);
}

function table(id, by, data, cols = COLS) {
  if (data.rows.some((r) => "open_min" in r)) cols = [...cols, ["open_min", "open_time"], ["idle_min", "idle_time"]];
  const tableEl = document.getElementById(id);
  const head = el("tr", {}, el("th", {}, t("by_" + by)));
  for (const [, key] of cols) head.append(el("th", {}, t(key)));
  if (id === "breakdown") head.append(el("th", {}, t("rated")));
  tableEl.tHead.replaceChildren(head);
  const body = tableEl.tBodies[0];
  body.replaceChildren();
  const row = (name, r, cls) => {
    const tr = el("tr", cls ? { class: cls } : {}, el("td", {}, name));
    for (const [k] of cols) tr.append(el("td", {}, num(r[k], k.endsWith("_min") ? 1 : 0)));
    if (id === "breakdown") tr.append(el("td", {}, `${r.rated_very_satisfied} / ${r.rated_satisfied} / ${r.rated_dissatisfied}`));
    body.append(tr);
  };
  if (!data.rows.length) {
    body.append(el("tr", {}, el("td", { colspan: String(cols.length + 2) }, t("no_data"))));
    return;
  }
  for (const r of data.rows) row(label(by, r), r);
  row(t("total"), data.totals, "total");
}

function kpis(data, indicators) {
  const box = document.getElementById("kpis");
  const ind = Object.fromEntries(indicators.indicators.map((i) => [i.code, i]));
  const tile = (key, value, unit = "") => el("div", { class: "kpi", "data-kpi": key },
    el("div", { class: "v" }, value, unit ? el("small", {}, unit) : ""), el("div", { class: "k" }, t(key)));
  const m = t("minutes_short");
  const tot = data.totals;
  box.replaceChildren(
    tile("issued", num(tot.issued, 0)), tile("served_n", num(tot.served, 0)), tile("no_show_n", num(tot.no_show, 0)),
    tile("wait_mean", num(tot.wait_mean_min), m), tile("wait_p90", num(tot.wait_p90_min), m),
    tile("service_mean", num(tot.service_mean_min), m),
    tile("satisfaction", num(ind.satisfaction.value), "%"), tile("on_time", num(ind.on_time_rate.value), "%"));
}

function draw(id, config) {
  if (!window.Chart) return;
  if (charts[id]) charts[id].destroy();
  config.options = Object.assign({
    animation: false, responsive: true, maintainAspectRatio: false,
    plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
    scales: { y: { beginAtZero: true } },
  }, config.options || {});
  charts[id] = new window.Chart(document.getElementById(id), config);
}

function hoursChart(data) {
  const by = Object.fromEntries(data.rows.map((r) => [r.key, r]));
  const hours = data.rows.map((r) => r.key);
  const lo = Math.min(7, ...hours), hi = Math.max(17, ...hours);
  const labels = [], arrivals = [], served = [];
  for (let h = lo; h <= hi; h++) {
    labels.push(String(h).padStart(2, "0") + "h");
    arrivals.push(by[h] ? by[h].issued + by[h].transferred_in : 0);
    served.push(by[h] ? by[h].served_at_hour : 0);
  }
  draw("chart-hours", { type: "bar", data: { labels, datasets: [
    { label: t("arrivals"), data: arrivals, backgroundColor: COLOURS.sky },
    { label: t("served_in_hour"), data: served, type: "line", borderColor: COLOURS.navy, backgroundColor: COLOURS.navy, tension: 0.25 },
  ] } });
}

// Long Vietnamese names would squeeze the bars: the axis shows the start, the tooltip all of it.
const shortTicks = { callback(value) { const s = this.getLabelForValue(value); return s.length > 22 ? s.slice(0, 21) + "…" : s; } };

function waitsChart(data) {
  const rows = data.rows.filter((r) => r.wait_mean_min !== null);
  draw("chart-waits", { type: "bar", data: { labels: rows.map((r) => label("service", r)), datasets: [
    { label: t("wait_p50"), data: rows.map((r) => r.wait_p50_min), backgroundColor: COLOURS.sky },
    { label: t("wait_mean"), data: rows.map((r) => r.wait_mean_min), backgroundColor: COLOURS.blue },
    { label: t("wait_p90"), data: rows.map((r) => r.wait_p90_min), backgroundColor: COLOURS.navy },
  ] }, options: { indexAxis: "y", scales: { x: { beginAtZero: true }, y: { ticks: shortTicks } } } });
}

function priorityChart(data) {
  const rows = data.rows.filter((r) => r.wait_mean_min !== null);
  draw("chart-priority", { type: "bar", data: { labels: rows.map((r) => label("priority", r)), datasets: [
    { label: t("wait_mean"), data: rows.map((r) => r.wait_mean_min), backgroundColor: rows.map((r) => r.key ? COLOURS.gold : COLOURS.grey) },
    { label: t("wait_p90"), data: rows.map((r) => r.wait_p90_min), backgroundColor: rows.map((r) => r.key ? "#c17900" : "#546e7a") },
    { label: t("service_mean"), data: rows.map((r) => r.service_mean_min), backgroundColor: COLOURS.green },
  ] }, options: { indexAxis: "y", scales: { x: { beginAtZero: true }, y: { ticks: shortTicks } } } });
}

function indicatorsTable(data) {
  const body = document.querySelector("#indicators tbody");
  body.replaceChildren();
  for (const i of data.indicators) {
    const value = i.value === null ? "–" : num(i.value, 2) + (i.unit === "%" ? " %" : i.unit ? " " + i.unit : "");
    body.append(el("tr", { "data-code": i.code }, el("td", {}, en() ? i.name_en : i.name),
      el("td", { class: "value" }, value), el("td", { class: "formula" }, en() ? i.formula_en : i.formula)));
  }
}

async function load() {
  const p = params();
  const msg = document.getElementById("message");
  msg.className = "message stats-message info";
  msg.textContent = t("loading");
  history.replaceState(null, "", `?from=${p.from}&to=${p.to}&by=${p.by}`);
  try {
    const [main, hours, services, priority, officers, indicators] = await Promise.all([
      stats(p.by, p), stats("hour", p), stats("service", p), stats("priority", p), stats("officer", p),
      api(`/api/v1/stats/indicators?from=${p.from}&to=${p.to}`)]);
    document.getElementById("by-name").textContent = t("by_" + p.by);
    kpis(main, indicators);
    table("breakdown", p.by, main);
    table("officers", "officer", officers, COLS.filter(([k]) => ["served", "no_show", "wait_mean_min", "service_mean_min", "service_p90_min"].includes(k)));
    const r = main.results;
    document.getElementById("results").textContent = t("results_lockers")
      .replace("{d}", r.deposited).replace("{c}", r.collected).replace("{o}", r.overdue).replace("{r}", r.returned);
    hoursChart(hours);
    waitsChart(services);
    priorityChart(priority);
    indicatorsTable(indicators);
    msg.textContent = "";
    document.body.dataset.loaded = `${p.from}/${p.to}/${p.by}`;
  } catch (e) {
    msg.className = "message stats-message error";
    msg.textContent = localMessage(e.message);
  }
}

async function download(kind) {
  const p = params();
  const url = kind === "766" ? `/api/v1/stats/indicators?from=${p.from}&to=${p.to}&format=xlsx`
    : kind === "report" ? `/api/v1/stats/report?month=${p.to.slice(0, 7)}`
    : `/api/v1/stats?from=${p.from}&to=${p.to}&by=${p.by}&format=${kind}`;
  // The credential goes in a header, never in a link someone could copy.
  const res = await fetch(url, { headers: { Authorization: "Bearer " + window.PAGE.token } });
  if (!res.ok) {
    const msg = document.getElementById("message");
    msg.className = "message stats-message error";
    try { msg.textContent = localMessage((await res.json()).error.message); } catch (e) { msg.textContent = res.statusText; }
    return;
  }
  const name = (res.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
  const a = el("a", { href: URL.createObjectURL(await res.blob()), download: name ? name[1] : "thong-ke" });
  document.body.append(a);
  a.click();
  a.remove();
}

document.getElementById("range").addEventListener("submit", (e) => { e.preventDefault(); load(); });
for (const b of document.querySelectorAll("[data-export]")) b.addEventListener("click", () => download(b.dataset.export));
load();

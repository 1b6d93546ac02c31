// Officer console, result deposit (issue 6): scan or type a dossier code,
// choose a size, the server reserves a compartment and the result kiosk opens
// it by itself (it polls /commands). The panel then follows that parcel live
// (reserved → depositing → ready | cancelled) from the `locker.parcel` events.
"use strict";

const DEP = { banks: [], parcel: null, busy: false, timer: null };
const dq = (id) => document.getElementById(id);
// The code printed on the receipt, also when a scanner sends the whole QR payload.
const DOSSIER_RE = /\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}-\d{6}-\d{4}/;
const NOT_READY = new Set([1, 3, 5, 6, 7, 8]);   // new, refused, supplement/fees asked, withdrawn, stopped

function fmt(key, values) { return t(key).replace(/\{(\w+)\}/g, (_, k) => (values[k] ?? "")); }

function depositBank() { return DEP.banks.find((b) => b.kiosk === dq("dep-bank").value) || DEP.banks[0]; }

function bankLabel(b) { return (PAGE.lang === "en" ? b.name_en : b.name) || b.name || b.kiosk; }

function renderFree() {
  const b = depositBank();
  const free = { S: 0, M: 0, L: 0 };
  if (b) for (const c of b.compartments) {
    if (!c.disabled && !c.door_open && !c.item && !c.parcel) free[c.size] = (free[c.size] || 0) + 1;
  }
  for (const node of document.querySelectorAll("#deposit [data-free]")) {
    node.textContent = `· ${t("free_now")}: ${free[node.dataset.free]}`;
    node.classList.toggle("none", !free[node.dataset.free]);
  }
}

async function loadBanks() {
  try {
    DEP.banks = await api("/api/v1/lockers");
  } catch (e) {
    if (e.status === 404 || e.status === 403) { dq("deposit").hidden = true; return; }
    dq("dep-error").textContent = localMessage(e.message); return;
  }
  const sel = dq("dep-bank");
  const keep = sel.value || localStorage.getItem("motcua.depositBank");
  sel.replaceChildren(...DEP.banks.map((b) => el("option", { value: b.kiosk, text: bankLabel(b) })));
  if (DEP.banks.some((b) => b.kiosk === keep)) sel.value = keep;
  dq("dep-bank-row").hidden = DEP.banks.length < 2;
  dq("deposit").hidden = DEP.banks.length === 0;
  renderFree();
  if (DEP.parcel) {                     // catch up after a gap in the event stream
    const now = DEP.banks.flatMap((b) => b.compartments).map((c) => c.parcel).find((p) => p && p.id === DEP.parcel.id);
    if (now && now.state !== DEP.parcel.state) showParcel({ ...DEP.parcel, state: now.state });
  }
}

function showParcel(p) {
  DEP.parcel = p;
  const b = DEP.banks.find((x) => x.kiosk === p.kiosk) || { kiosk: p.kiosk };
  dq("dep-result").hidden = false;
  dq("dep-result").dataset.state = p.state;
  dq("dep-compartment").textContent = String(p.compartment);
  dq("dep-text").textContent = fmt("deposit_reserved", { n: p.compartment, size: p.size, bank: bankLabel(b) });
  const key = { depositing: "deposit_state_depositing", ready: "deposit_state_ready",
                cancelled: "deposit_state_cancelled" }[p.state] || "deposit_kiosk_opens";
  dq("dep-state").textContent = fmt(key, { n: p.compartment });
}

// Server answers → the officer's words (the server's own message as a fallback).
function depositError(e, code, size) {
  if (e.code === "not_found" && /hồ sơ|dossier/i.test(e.message)) return fmt("err_dossier_not_found", { code });
  if (e.code === "no_free_compartment") return fmt("err_no_free", { size });
  if (e.code === "already_deposited") return `${fmt("err_already_deposited", { code })} ${localMessage(e.message)}`;
  if (e.code === "not_ready") return fmt("err_not_ready", { code, status: localMessage(e.message) });
  if (e.code === "invalid_state") return fmt("err_already_returned", { code });
  return localMessage(e.message);
}

async function submitDeposit(ev) {
  ev.preventDefault();
  if (DEP.busy) return;
  const raw = dq("dep-code").value.trim();
  const match = raw.toUpperCase().match(DOSSIER_RE);
  const code = match ? match[0] : raw;
  const size = (document.querySelector("#deposit input[name=size]:checked") || { value: "S" }).value;
  const bank = depositBank();
  dq("dep-error").textContent = "";
  if (!code) { dq("dep-error").textContent = t("err_code_empty"); dq("dep-code").focus(); return; }
  if (!bank) return;
  DEP.busy = true; dq("dep-submit").disabled = true;
  try {
    // The server does not (yet) refuse a dossier that has no result: check its status first.
    const dossier = await api(`/api/v1/dossiers/${encodeURIComponent(code)}`);
    if (NOT_READY.has(dossier.status)) {
      const status = PAGE.lang === "en" ? dossier.status_name_en : dossier.status_name;
      throw new ApiError(409, "not_ready", `${status} / ${dossier.status_name_en}`);
    }
    const parcel = await api(`/api/v1/lockers/${encodeURIComponent(bank.kiosk)}/deposits`,
                             { method: "POST", body: { dossier: code, size, from_console: true } });
    localStorage.setItem("motcua.depositBank", bank.kiosk);
    showParcel(parcel);
    dq("dep-code").value = "";
  } catch (e) {
    dq("dep-error").textContent = depositError(e, code, size);
    dq("dep-code").select();
  } finally {
    DEP.busy = false; dq("dep-submit").disabled = false;
    loadBanks();
  }
}

// Outside a counter (a result officer) the panel sits under the counter chooser.
function placeDeposit() {
  const card = dq("deposit");
  const target = dq("workspace").hidden ? dq("chooser") : dq("side");
  if (card.parentElement !== target) target.prepend(card);
  if (target === dq("chooser")) target.append(card);
}

// A barcode scanner types like a keyboard. A dossier code starts with a digit
// and contains letters that are console shortcuts ("…H29…" would press Finish):
// a digit typed outside any field sends the whole scan into the code field.
function catchScan(e) {
  if (e.ctrlKey || e.altKey || e.metaKey || !/^[0-9]$/.test(e.key) || dq("deposit").hidden) return;
  const active = document.activeElement;
  if (document.querySelector("dialog[open]") || (active && ["INPUT", "SELECT", "TEXTAREA"].includes(active.tagName))) return;
  dq("dep-code").value = "";
  dq("dep-code").focus();
}

window.addEventListener("DOMContentLoaded", () => {
  document.addEventListener("keydown", catchScan, true);
  dq("deposit-form").addEventListener("submit", submitDeposit);
  dq("dep-bank").addEventListener("change", renderFree);
  new MutationObserver(placeDeposit).observe(dq("workspace"), { attributes: true, attributeFilter: ["hidden"] });
  placeDeposit();
  loadBanks();
  new EventStream({
    types: ["locker."],
    onEvent: (ev) => {
      if (ev.type === "locker.parcel" && DEP.parcel && ev.id === DEP.parcel.id) showParcel({ ...DEP.parcel, state: ev.state });
      if (ev.type !== "hello") { clearTimeout(DEP.timer); DEP.timer = setTimeout(loadBanks, 200); }
    },
    onOpen: loadBanks,
  });
});

// Officer console, results by post (Bưu chính công ích): how many requests wait, the day's
// handover list to print (HTML) or download (XLSX), and "handed to the post" for the dossiers on
// that list (POST /api/v1/postal/handover → status 10, reported to the one-stop system).
// "Handed" marks exactly the sheet last printed or downloaded (its codes travel in the list's URL),
// never the list as it stands at the click: a result that became ready meanwhile is not on paper.
"use strict";

const HANDOVER = { codes: [], printed: [] };
const hq = (id) => document.getElementById(id);

function handoverFmt(key, values) { return t(key).replace(/\{(\w+)\}/g, (_, k) => (values[k] ?? "")); }

async function loadHandover() {
  let waiting, listing;
  try {
    [waiting, listing] = await Promise.all([api("/api/v1/postal/waiting"), api("/api/v1/postal/handover")]);
  } catch (e) {
    if (e.status === 403 || e.status === 404) { hq("handover").hidden = true; return; }
    hq("handover-message").textContent = localMessage(e.message);
    return;
  }
  HANDOVER.codes = listing.items.map((i) => i.code);
  hq("handover-ready").textContent = String(waiting.ready);
  hq("handover-processing").textContent = String(waiting.processing);
  HANDOVER.printed = HANDOVER.printed.filter((c) => HANDOVER.codes.indexOf(c) >= 0);  // still to hand over
  hq("handover-done").disabled = HANDOVER.printed.length === 0;
  hq("handover-print").setAttribute("aria-disabled", String(HANDOVER.codes.length === 0));
  if (!HANDOVER.codes.length && !hq("handover-message").dataset.kept) hq("handover-message").textContent = t("handover_none");
}

function freezeList(event) {   // the sheet the officer gets is the one "handed" will mark
  if (!HANDOVER.codes.length) { event.preventDefault(); return; }
  HANDOVER.printed = HANDOVER.codes.slice();
  const format = event.currentTarget.id === "handover-xlsx" ? "xlsx" : "html";
  event.currentTarget.href = "/api/v1/postal/handover?format=" + format + "&codes=" +
    encodeURIComponent(HANDOVER.printed.join(","));
  hq("handover-done").disabled = false;
}

async function handedOver() {
  const codes = HANDOVER.printed.slice();
  if (!codes.length || !window.confirm(handoverFmt("handover_ask", { n: codes.length }))) return;
  hq("handover-done").disabled = true;
  try {
    const out = await api("/api/v1/postal/handover", { method: "POST", body: { codes } });
    HANDOVER.printed = [];
    hq("handover-message").textContent = handoverFmt("handover_result", { n: out.handed.length });
    hq("handover-message").dataset.kept = "1";
    hq("handover-message").classList.remove("error");
  } catch (e) {
    hq("handover-message").textContent = localMessage(e.message);
    hq("handover-message").classList.add("error");
  }
  await loadHandover();
}

document.addEventListener("DOMContentLoaded", () => {
  if (!hq("handover")) return;
  hq("handover-done").addEventListener("click", handedOver);
  hq("handover-print").addEventListener("click", freezeList);
  hq("handover-xlsx").addEventListener("click", freezeList);
  loadHandover();
  setInterval(loadHandover, 60000);
});

/* "Receive your result by post" on the citizen's phone pages (ES5, no framework, no inline script).
   Step 1 asks the server to send a code to the contact ON FILE for the dossier; step 2 sends the
   code back. The page never sees the applicant's contact: the server answers masked values only. */
(function () {
  "use strict";
  var dataEl = document.getElementById("postal-data");
  if (!dataEl) { return; }
  var P = JSON.parse(dataEl.textContent);
  var lang = P.lang === "en" ? "en" : "vi";
  var step = { sent: null, done: null, error: "", server: "" };
  function $(id) { return document.getElementById(id); }
  function s(key) { return (P.strings[lang] || {})[key] || key; }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return values[k] !== undefined ? values[k] : m; });
  }
  function setText(id, text) { var el = $(id); if (el && el.textContent !== text) { el.textContent = text; } }
  function show(id, on) { var el = $(id); if (el) { el.hidden = !on; } }
  function inLang(message) {   /* server messages are "Tiếng Việt / English" */
    var parts = String(message || "").split(" / ");
    return lang === "en" && parts.length > 1 ? parts.slice(1).join(" / ") : parts[0];
  }

  function render() {
    var ids = ["title", "intro", "dossier-label", "recipient-label", "address-label", "phone-label", "send",
               "code-label", "confirm"];
    var keys = ["postal_title", "postal_intro", "postal_dossier", "postal_recipient", "postal_address",
                "postal_phone", "postal_send", "postal_code", "postal_confirm"];
    for (var i = 0; i < ids.length; i++) { setText(ids[i] === "confirm" ? "postal-ok" : "postal-" + ids[i], s(keys[i])); }
    show("postal-form", !step.sent && !step.done);
    show("postal-confirm", !!step.sent && !step.done);
    show("postal-done", !!step.done);
    if (step.sent) {
      setText("postal-sent", fill(s("postal_sent"), { sent_to: step.sent.sent_to.join(", "), address: step.sent.address }));
    }
    if (step.done) { setText("postal-done", fill(s("postal_done"), { address: step.done.address })); }
    setText("postal-error", step.server ? inLang(step.server) : (step.error ? s(step.error) : ""));
  }

  function send(path, body, ok) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", P.base + path, true);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.onload = function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      step.error = ""; step.server = "";
      if (xhr.status >= 200 && xhr.status < 300 && answer) {
        ok(answer);
      } else if (answer && answer.error && answer.error.message) {
        step.server = answer.error.message;
        if (answer.error.code === "code_expired" || answer.error.code === "invalid_state") { step.sent = null; }
      } else {
        step.error = "postal_failed";
      }
      render();
    };
    xhr.onerror = function () { step.error = "postal_failed"; step.server = ""; render(); };
    xhr.send(JSON.stringify(body));
  }

  $("postal-form").oninput = function () {   /* a stale "please fill in" goes as the citizen types */
    if (step.error || step.server) { step.error = ""; step.server = ""; render(); }
  };
  $("postal-form").onsubmit = function (e) {
    e.preventDefault();
    var body = { dossier: $("postal-dossier").value.replace(/^\s+|\s+$/g, "").toUpperCase(),
                 recipient: $("postal-recipient").value, address: $("postal-address").value };
    var phone = $("postal-phone").value.replace(/^\s+|\s+$/g, "");
    if (phone) { body.phone = phone; }
    if (!body.dossier || !body.recipient.replace(/\s/g, "") || !body.address.replace(/\s/g, "")) {
      step.error = "postal_missing"; step.server = ""; render(); return false;
    }
    step.dossier = body.dossier;
    send("/postal", body, function (answer) {
      step.sent = answer;
      $("postal-address").value = ""; $("postal-phone").value = "";   /* only masked forms stay on the page */
      $("postal-code").value = "";
      setTimeout(function () { $("postal-code").focus(); }, 0);
    });
    return false;
  };
  $("postal-confirm").onsubmit = function (e) {
    e.preventDefault();
    if (!step.sent) { return false; }
    send("/postal/confirm", { dossier: step.dossier, confirm: step.sent.confirm,
                              code: $("postal-code").value.replace(/\D/g, "") }, function (answer) {
      step.done = answer; step.sent = null;
      $("postal-recipient").value = "";
    });
    $("postal-code").value = "";
    return false;
  };

  /* the ticket page switches language in place: follow <html lang> */
  if (window.MutationObserver) {
    new MutationObserver(function () {
      var now = document.documentElement.lang === "en" ? "en" : "vi";
      if (now !== lang) { lang = now; render(); }
    }).observe(document.documentElement, { attributes: true, attributeFilter: ["lang"] });
  }
  render();
})();

/* The citizen's ticket page, live. ES5 only (old Android browsers): no classes, no arrow
 * functions, no fetch, no template strings. Server-Sent Events when the browser has them
 * (they reconnect by themselves, also after a server restart), polling otherwise. */
(function () {
  "use strict";
  // The page's data comes as a JSON block (the CSP allows no inline script).
  var P = {};
  try { P = JSON.parse(document.getElementById("phone-data").textContent) || {}; } catch (e) { P = {}; }
  var lang = P.lang === "en" ? "en" : "vi";
  var view = P.view;
  var lastState = view ? view.state : "";
  var lastCalledAt = view ? view.called_at : null;
  var source = null, pollTimer = null, offlineTimer = null, audio = null;
  var FINAL = { done: 1, no_show: 1, cancelled: 1, expired: 1 };

  function $(id) { return document.getElementById(id); }
  function s(key) { return (P.strings[lang] || {})[key] || key; }
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  }
  function setText(id, text) { var el = $(id); if (el) { el.textContent = text; } }
  function show(id, on) { var el = $(id); if (el) { if (on) { el.removeAttribute("hidden"); } else { el.setAttribute("hidden", ""); } } }
  function pick(vi, en) { return lang === "en" && en ? en : vi; }

  function headline(v) {
    if (v.state === "called") { return fill(s("phone_called"), { counter: v.counter }); }
    if (v.state === "serving") { return fill(s("phone_serving"), { counter: v.counter }); }
    if (v.state === "expired") { return fill(s("phone_expired"), { day: v.day }); }
    if (v.state === "waiting") { return s("phone_waiting"); }
    return s("phone_" + v.state);
  }

  function waitText(v) {
    if (v.wait_low_min === null || v.wait_low_min === undefined) { return s("phone_wait_unknown"); }
    if (v.wait_high_min <= 1 || v.people_ahead === 0) { return s("phone_wait_soon"); }
    return fill(s("phone_wait_range"), { low: v.wait_low_min, high: v.wait_high_min });
  }

  function render() {
    if (!view) { return; }
    document.documentElement.lang = lang;
    document.title = view.number + " · " + s("phone_title");
    setText("lang", s("lang_toggle"));
    $("lang").setAttribute("lang", lang === "en" ? "vi" : "en");
    setText("center", pick(view.center_name, view.center_name_en));
    setText("label", s("phone_number"));
    setText("number", view.number);
    setText("service", pick(view.service_name, view.service_name_en));
    $("status").className = "status st-" + view.state;
    setText("headline", headline(view));
    var sub = "";
    if (view.state === "called" || view.state === "serving") {
      sub = pick(view.counter_name, view.counter_name_en) || "";
      if (/^(Quầy|Counter) \S+$/.test(sub)) { sub = ""; }   // "Quầy 5" says nothing the headline does not
      if (view.state === "called" && view.recalls > 0) { sub += " · " + fill(s("phone_called_again"), { n: view.recalls + 1 }); }
    }
    setText("sub", sub);
    show("facts", view.state === "waiting");
    setText("ahead-label", s("phone_ahead"));
    setText("wait-label", s("phone_wait"));
    setText("ahead", view.people_ahead === null ? "–" : String(view.people_ahead));
    setText("wait", waitText(view));
    var moved = view.transferred_from;
    show("transferred", !!moved && !FINAL[view.state]);
    if (moved) { setText("transferred", fill(s("phone_transferred"), { service: pick(moved.service_name, moved.service_name_en) })); }
    show("hint", view.state === "waiting");
    setText("hint", s("phone_keep_open"));
    setText("conn", FINAL[view.state] ? "" : (online ? s("phone_live") : s("phone_offline")));
    renderAlert();
    $("conn").className = online ? "conn" : "conn off";
  }

  // -- the call: vibration and a short two-tone chime, where the phone allows them
  function unlockSound() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) { try { audio = new Ctx(); } catch (e) { audio = null; } }
    if (audio && audio.state === "suspended" && audio.resume) { audio.resume(); }
  }
  function chime() {
    if (!audio) { unlockSound(); }
    if (!audio) { return; }
    try {
      var t0 = audio.currentTime;
      var tones = [880, 660, 880];
      for (var i = 0; i < tones.length; i++) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = tones[i];
        gain.gain.setValueAtTime(0.0001, t0 + i * 0.35);
        gain.gain.exponentialRampToValueAtTime(0.4, t0 + i * 0.35 + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.35 + 0.3);
        osc.connect(gain); gain.connect(audio.destination);
        osc.start(t0 + i * 0.35); osc.stop(t0 + i * 0.35 + 0.32);
      }
    } catch (e) { /* no sound on this phone: the screen and vibration still tell */ }
  }
  function alertCall() {
    window.__phoneCalls = (window.__phoneCalls || 0) + 1;   // counted for the browser test
    if (navigator.vibrate) { try { navigator.vibrate([400, 200, 400, 200, 400]); } catch (e) { /* not allowed */ } }
    chime();
  }

  var online = true;
  function setOnline(on) {
    if (on) {
      if (offlineTimer) { clearTimeout(offlineTimer); offlineTimer = null; }
      if (!online) { online = true; render(); }
      return;
    }
    // a stream that ends by design reconnects within ~2 s: only a longer gap is shown
    if (online && !offlineTimer) {
      offlineTimer = setTimeout(function () { offlineTimer = null; online = false; render(); }, 4000);
    }
  }

  function update(next) {
    if (!next || !next.number) { return; }
    var calledNow = next.state === "called" && (lastState !== "called" || next.called_at !== lastCalledAt);
    view = next;
    lastState = next.state; lastCalledAt = next.called_at;
    render();
    if (calledNow) { alertCall(); }
    if (FINAL[next.state]) { stop(); }
  }

  function stop() {
    if (source) { source.close(); source = null; }
    if (pollTimer) { clearTimeout(pollTimer); pollTimer = null; }
  }

  function connect() {
    if (!P.token || (view && FINAL[view.state])) { return; }
    if (!window.EventSource) { poll(); return; }
    source = new EventSource("/api/v1/t/" + encodeURIComponent(P.token) + "/events");
    source.addEventListener("ticket", function (e) {
      setOnline(true);
      try { update(JSON.parse(e.data)); } catch (err) { /* a broken frame: the next one repairs it */ }
    }, false);
    source.onopen = function () { setOnline(true); };
    source.onerror = function () {
      setOnline(false);
      if (source && source.readyState === 2) {   // closed for good (e.g. a proxy's 502): start over
        source.close(); source = null;
        setTimeout(connect, 3000);
      }
    };
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", "/api/v1/t/" + encodeURIComponent(P.token), true);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      if (xhr.status === 200) { setOnline(true); try { update(JSON.parse(xhr.responseText)); } catch (e) { /* retry */ } }
      else { setOnline(false); }
      if (!view || !FINAL[view.state]) { pollTimer = setTimeout(poll, 10000); }
    };
    xhr.send();
  }

  // -- "tell me when I'm close": the number goes to the server once, and is shown masked only
  var alertState = P.alert || null, alertError = "";
  function renderAlert() {
    if (!$("alert") || !alertState) { return; }
    show("alert", view.state === "waiting" || view.state === "called");
    setText("alert-title", s("phone_alert_title"));
    setText("alert-phone-label", s("phone_alert_phone"));
    setText("alert-consent-label", s("phone_alert_consent"));
    setText("alert-send", s("phone_alert_send"));
    setText("alert-stop", s("phone_alert_stop"));
    setText("alert-error", alertError ? s(alertError) : "");
    show("alert-form", !alertState.active);
    show("alert-on", !!alertState.active);
    setText("alert-on-text", alertState.active ? fill(s("phone_alert_on"), { phone: alertState.phone, n: alertState.threshold }) : "");
  }
  function alertRequest(method, body) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, "/api/v1/t/" + encodeURIComponent(P.token) + "/alert", true);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status === 200 || xhr.status === 201) {
        alertError = "";
        alertState.active = !!answer.active; alertState.phone = answer.phone;
        if (answer.active) { $("alert-phone").value = ""; }
      } else {
        var code = answer && answer.error ? answer.error.code : "";
        alertError = code === "invalid_phone" ? "phone_alert_bad_phone" :
          (code === "consent_required" ? "phone_alert_need_consent" : "phone_alert_failed");
      }
      renderAlert();
    };
    xhr.send(body ? JSON.stringify(body) : null);
  }
  if ($("alert-form")) {
    $("alert-form").onsubmit = function (e) {
      if (e && e.preventDefault) { e.preventDefault(); }
      if (!$("alert-consent").checked) { alertError = "phone_alert_need_consent"; renderAlert(); return false; }
      alertRequest("POST", { phone: $("alert-phone").value, consent: true, lang: lang });
      return false;
    };
    $("alert-stop").onclick = function () { alertRequest("DELETE", null); };
  }

  var toggle = $("lang");
  if (toggle) {
    toggle.onclick = function () {
      lang = lang === "en" ? "vi" : "en";
      document.cookie = "motcua_lang=" + lang + "; path=/; max-age=31536000; samesite=lax";
      unlockSound();
      if (toggle.blur) { toggle.blur(); }   // no lingering focus ring after a tap
      render();
      if (!view) { location.reload(); }
    };
  }
  // Browsers allow sound only after a touch: the first touch anywhere unlocks the chime.
  document.addEventListener("touchstart", unlockSound, false);
  document.addEventListener("click", unlockSound, false);

  render();
  connect();
})();

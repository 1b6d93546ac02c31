/* The booking page: send the booking or the cancellation as JSON. ES5 only, no framework:
 * the page itself is server-rendered and every other step is a plain link. */
(function () {
  "use strict";
  var T = {};
  try { T = JSON.parse(document.getElementById("book-strings").textContent); } catch (e) { T = {}; }
  function $(id) { return document.getElementById(id); }
  function fill(text, values) {
    return String(text).replace(/\{(\w+)\}/g, function (m, k) { return values[k] === undefined ? m : values[k]; });
  }
  function fail(xhr) {
    var msg = T.failed, el = $("error");
    try { msg = JSON.parse(xhr.responseText).error.message.split(" / ")[document.documentElement.lang === "en" ? 1 : 0] || msg; } catch (e) {}
    el.textContent = msg;
    el.removeAttribute("hidden");
  }
  function send(method, url, body, done) {
    var xhr = new XMLHttpRequest();
    xhr.open(method, url, true);
    xhr.setRequestHeader("Content-Type", "application/json");
    xhr.onreadystatechange = function () {
      if (xhr.readyState === 4) { done(xhr); }
    };
    xhr.send(body ? JSON.stringify(body) : null);
  }

  var form = $("book");
  if (form) {
    var chosen = null, go = $("go");
    var buttons = form.querySelectorAll(".slot");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].onclick = function () {
        for (var j = 0; j < buttons.length; j++) { buttons[j].className = "slot"; buttons[j].removeAttribute("aria-pressed"); }
        this.className = "slot on";
        this.setAttribute("aria-pressed", "true");
        chosen = this;
        go.disabled = false;
        go.textContent = fill(T.confirm, { time: this.getAttribute("data-time") });
      };
    }
    form.onsubmit = function (ev) {
      ev.preventDefault();
      if (!chosen) { return false; }
      go.disabled = true;
      go.textContent = T.sending;
      var body = { service: form.getAttribute("data-service"), start: chosen.getAttribute("data-start") };
      var phone = $("phone").value.replace(/\s+/g, "");
      if (phone) { body.phone = phone; }
      send("POST", "/api/v1/appointments", body, function (xhr) {
        if (xhr.status === 201) {
          window.location.href = "/book/" + JSON.parse(xhr.responseText).code;
        } else {
          go.disabled = false;
          go.textContent = fill(T.confirm, { time: chosen.getAttribute("data-time") });
          fail(xhr);
        }
      });
      return false;
    };
  }

  var cancel = $("cancel");
  if (cancel) {
    cancel.onsubmit = function (ev) {
      ev.preventDefault();
      if (!window.confirm(T.ask)) { return false; }
      send("DELETE", "/api/v1/appointments/" + cancel.getAttribute("data-code"), null, function (xhr) {
        if (xhr.status === 200) { window.location.reload(); } else { fail(xhr); }
      });
      return false;
    };
  }
}());

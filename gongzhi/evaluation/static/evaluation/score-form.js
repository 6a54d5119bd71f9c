/* Offline-tolerant score form. Entered values stay in localStorage until the server confirms; each
   submission carries a client key kept with the draft, so sending it again after a network drop
   cannot count twice. Messages come from the form's data-msg-* attributes (translated server-side). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-offline-key]");
  if (!form || !window.fetch || !window.FormData) return;
  var storeKey = "gz-eval:" + form.getAttribute("data-offline-key");
  var status = form.querySelector("[data-status]");
  var msg = function (name) { return form.getAttribute("data-msg-" + name) || ""; };
  var say = function (text) { if (status) status.textContent = text; };

  function read() {
    try { return JSON.parse(window.localStorage.getItem(storeKey) || "null"); } catch (e) { return null; }
  }
  function write() {
    var data = { client_key: form.elements.client_key.value, fields: {} };
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.name === "csrfmiddlewaretoken" || el.name === "client_key") return;
      data.fields[el.name] = el.type === "checkbox" ? (el.checked ? el.value : "") : el.value;
    });
    try { window.localStorage.setItem(storeKey, JSON.stringify(data)); } catch (e) { /* storage full */ }
  }
  function restore(draft) {
    form.elements.client_key.value = draft.client_key;
    Object.keys(draft.fields || {}).forEach(function (name) {
      var el = form.elements[name];
      if (!el) return;
      if (el.type === "checkbox") el.checked = draft.fields[name] !== ""; else el.value = draft.fields[name];
    });
    say(msg("restored"));
  }
  function showErrors(errors) {
    Array.prototype.forEach.call(form.querySelectorAll(".js-error"), function (n) { n.remove(); });
    Object.keys(errors || {}).forEach(function (field) {
      var el = form.elements[field];
      var box = el && el.closest ? el.closest("fieldset") : null;
      (errors[field] || []).forEach(function (text) {
        var p = document.createElement("p");
        p.className = "errorlist js-error";
        p.textContent = text;
        (box || status.parentNode).insertBefore(p, box ? null : status);
      });
    });
  }

  // A draft exists only once something was entered (or sent); merely opening a form must not leave one
  // behind, or the next visit would announce a "restored draft" the juror never wrote.
  var draft = read();
  if (draft && draft.client_key) restore(draft);
  form.addEventListener("input", write);
  form.addEventListener("change", write);
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    write();
    say(msg("sending"));
    fetch(form.action || window.location.href, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "Accept": "application/json", "X-Requested-With": "fetch" }
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) { say(msg("login")); return null; }
      return r.json().then(function (body) {
        if (body.ok) {
          window.localStorage.removeItem(storeKey);
          say(body.message);
          window.location.href = body.next_url;
        } else {
          say(msg("error"));
          showErrors(body.errors);
        }
      });
    }).catch(function () { say(msg("offline")); });
  });
})();

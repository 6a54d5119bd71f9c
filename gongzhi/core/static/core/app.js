/* Small page helpers shared by every page (no framework):
   - tables: each cell gets its column's name (phones show rows as cards); scroll regions are focusable;
   - [data-confirm]: ask before an irreversible action (forms and links);
   - the tab bar's badges arrive as JSON ({todo: n, unread: n}) after the page is shown. */
(function () {
  "use strict";
  function labelTables(root) {
    root.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (!wrap.hasAttribute("tabindex")) wrap.setAttribute("tabindex", "0");
      var table = wrap.querySelector("table");
      if (!table) return;
      if (!wrap.hasAttribute("aria-label") && !wrap.hasAttribute("role")) {
        wrap.setAttribute("role", "region");
        var cap = table.querySelector("caption");
        var h = cap || wrap.previousElementSibling;
        wrap.setAttribute("aria-label", (h && h.textContent.trim().slice(0, 40)) || document.title);
      }
      var heads = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) { return th.textContent.trim(); });
      if (!heads.length) return;
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var i = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          if (!cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[i] || "");
          i += cell.colSpan || 1;
        });
      });
    });
  }
  function confirmFor(ev) {
    var el = ev.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); ev.stopImmediatePropagation(); }
  }
  document.addEventListener("submit", function (ev) {
    if (ev.defaultPrevented) return;  // a page script (the offline score form) sends it itself
    var form = ev.target;
    var msg = form.getAttribute("data-confirm") || (ev.submitter && ev.submitter.getAttribute("data-confirm"));
    if (msg && !window.confirm(msg)) { ev.preventDefault(); return; }
    if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get") || form.target === "_blank") return;
    // one tap, one submission: a second tap while the page loads does nothing
    if (form.dataset.sent) { ev.preventDefault(); return; }
    if ((form.method || "").toLowerCase() === "post") form.dataset.sent = "1";
  });
  document.addEventListener("click", function (ev) { if (ev.target.closest("a[data-confirm]")) confirmFor(ev); }, true);
  function badges() {
    var bar = document.querySelector(".tabbar[data-badges]");
    if (!bar || !window.fetch) return;
    fetch(bar.getAttribute("data-badges"), { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : {}; })
      .then(function (data) {
        Object.keys(data).forEach(function (k) {
          var b = document.getElementById("badge-" + k);
          if (!b || !data[k].count) return;
          b.textContent = data[k].count > 99 ? "99+" : data[k].count;
          b.setAttribute("aria-label", data[k].label);
          b.hidden = false;
        });
      }).catch(function () {});
  }
  function ready() {
    labelTables(document);
    badges();
    if ("serviceWorker" in navigator && document.body.dataset.sw) navigator.serviceWorker.register(document.body.dataset.sw).catch(function () {});
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready); else ready();
  document.addEventListener("htmx:afterSwap", function (ev) { labelTables(ev.target); });
})();

// Behaviour the pages share; no inline handlers, so the Content-Security-Policy can forbid them.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});

// [data-print]: a print button; [data-select-on-click]: a read-only field selects its text when tapped.
document.addEventListener("click", function (event) {
  var el = event.target.closest && event.target.closest("[data-print], [data-select-on-click]");
  if (!el) return;
  if (el.hasAttribute("data-print")) window.print();
  else if (el.select) el.select();
});
// [data-autoprint] on <body>: a printable page opens the print dialog once it has loaded.
window.addEventListener("load", function () {
  if (document.body && document.body.hasAttribute("data-autoprint") && window.print) setTimeout(function () { window.print(); }, 300);
});

/* Visits offline: the service worker, the outbox (IndexedDB) and its exactly-once sending.
   Every visit gets a key made on the phone; the server keeps one visit per key, so sending twice
   (a lost answer, two tabs) records it once. A 409 (the household changed meanwhile) is shown and
   waits for the worker's choice: it is never sent again on its own. */
(function () {
  "use strict";
  var script = document.currentScript;
  var page = script && script.dataset.page;
  var API = "/api/visits/visits";
  var FACTS = "gz-visits-facts";
  // Every string shown comes from the page (templates/visits/_text.html, through Django's translation).
  var T = {};
  try { Object.assign(T, JSON.parse(document.getElementById("gz-text").textContent)); } catch (e) { /* defaults */ }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/visits/sw.js", { scope: "/visits/" }).catch(function () {});
  }

  // --- the outbox ----------------------------------------------------------------------------------
  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open("gz-visits", 1);
      req.onupgradeneeded = function () { req.result.createObjectStore("outbox", { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var t = d.transaction("outbox", mode), store = t.objectStore("outbox"), out = fn(store);
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  function all() { return tx("readonly", function (s) { return s.getAll(); }); }
  function put(item) { return tx("readwrite", function (s) { s.put(item); }); }
  function drop(key) { return tx("readwrite", function (s) { s.delete(key); }); }

  function newKey() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);  // works on plain http too, unlike crypto.randomUUID
    return Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
  }
  function csrf() {
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (m) return decodeURIComponent(m[1]);
    var i = document.querySelector("input[name=csrfmiddlewaretoken]");
    return i ? i.value : "";
  }

  var syncing = false;
  function send(item) {
    var fd = new FormData();
    Object.keys(item.fields).forEach(function (k) {
      var v = item.fields[k];
      if (Array.isArray(v)) v.forEach(function (x) { fd.append(k, x); }); else fd.append(k, v);
    });
    (item.photos || []).forEach(function (p) { fd.append("photos", p.blob, p.name); });
    return fetch(API, { method: "POST", body: fd, credentials: "same-origin", headers: { "X-CSRFToken": csrf() } })
      .then(function (r) { return r.json().catch(function () { return {}; }).then(function (b) { return { status: r.status, body: b }; }); });
  }
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    return all().then(function (items) {
      var chain = Promise.resolve(), stop = false;
      items.filter(function (i) { return i.state === "pending"; }).forEach(function (item) {
        chain = chain.then(function () {
          if (stop) return;
          return send(item).then(function (res) {
            if (res.status === 200 || res.status === 201) { toast(T.sent); return drop(item.key); }
            if (res.status === 409) {
              item.state = "conflict"; item.message = res.body.detail || ""; item.conflict = res.body;
              return put(item);
            }
            if (res.status === 401 || res.status === 403) { stop = true; item.message = T.login; return put(item); }
            item.state = "error";
            item.message = res.body.errors ? [].concat.apply([], Object.values(res.body.errors)).join("；") : (res.body.detail || "");
            return put(item);
          }, function () { stop = true; });  // no network after all: keep it pending
        });
      });
      return chain;
    }).finally(function () { syncing = false; render(); });
  }

  // --- what the page shows -------------------------------------------------------------------------
  function toast(text) {
    var t = document.getElementById("toast");
    if (t) { t.textContent = text; t.hidden = false; }
  }
  function showNet() {
    var n = document.getElementById("net");
    if (n) n.hidden = navigator.onLine;
  }
  function render() {
    showNet();
    var box = document.getElementById("outbox");
    return all().then(function (items) {
      document.querySelectorAll("[data-household]").forEach(function (card) {
        var mine = items.some(function (i) { return String(i.fields.household) === card.dataset.household; });
        var mark = card.querySelector(".pending-mark");
        if (mark) mark.hidden = !mine;
      });
      if (!box) return;
      box.hidden = !items.length;
      document.getElementById("outbox-count").textContent = items.length;
      var ul = document.getElementById("outbox-list");
      ul.innerHTML = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "ob " + item.state;
        li.dataset.key = item.key;
        var label = document.createElement("span");
        label.textContent = (item.address || "") + " · " + (T[item.state] || item.state) + (item.message ? "：" + item.message : "");
        li.appendChild(label);
        if (item.state === "conflict") {
          li.appendChild(button(T.dropChanges, "drop-changes", function () {
            item.fields.changes = "[]"; item.state = "pending"; item.message = "";
            put(item).then(sync);
          }));
          li.appendChild(button(T.resendChanges, "resend-changes", function () {
            item.fields.version = (item.conflict && item.conflict.data && item.conflict.data.version) || "";
            item.state = "pending"; item.message = "";
            put(item).then(sync);
          }));
        }
        if (item.state === "error") li.appendChild(button(T.remove, "remove", function () { drop(item.key).then(render); }));
        ul.appendChild(li);
      });
    });
  }
  function button(text, cls, onclick) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "btn secondary " + cls; b.textContent = text; b.onclick = onclick;
    return b;
  }

  // --- the day's list: keep each household's key facts for the visit form ---------------------------
  function rememberFacts() {
    var el = document.getElementById("gz-facts");
    if (!el) return;
    var facts = JSON.parse(el.textContent || "[]"), kept = {};
    try { kept = JSON.parse(localStorage.getItem(FACTS) || "{}"); } catch (e) { kept = {}; }
    facts.forEach(function (f) { kept[f.id] = f; });
    localStorage.setItem(FACTS, JSON.stringify(kept));
  }

  // --- the visit form ------------------------------------------------------------------------------
  function setupForm() {
    var form = document.getElementById("visit-form");
    if (!form) return;
    var params = new URLSearchParams(location.search);
    var h = params.get("h"), facts = null;
    try { facts = JSON.parse(document.getElementById("gz-household").textContent); } catch (e) { facts = null; }
    if (!facts || String(facts.id) !== h) {
      var kept = {};
      try { kept = JSON.parse(localStorage.getItem(FACTS) || "{}"); } catch (e) { kept = {}; }
      facts = h ? kept[h] || null : null;
    }
    if (!facts) {
      // The kept page may carry another household's facts: never record against those.
      document.getElementById("f-household").value = "";
      document.getElementById("f-version").value = "";
      document.getElementById("hh-address").textContent = "";
      document.getElementById("no-household").hidden = !h;
      form.hidden = true;
      return;
    }
    {
      document.getElementById("f-household").value = facts.id;
      document.getElementById("f-version").value = facts.version;
      document.getElementById("hh-address").textContent = facts.address;
      var ul = document.getElementById("hh-residents"), sel = document.getElementById("f-resident"),
          csel = document.getElementById("c-resident");
      ul.innerHTML = ""; sel.length = 1; csel.length = 0;
      facts.residents.forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = r.name + "（" + r.relation + "）" + (r.phone ? " " + r.phone : "") + (r.tags.length ? " · " + r.tags.join("、") : "");
        ul.appendChild(li);
        sel.add(new Option(r.name, r.id)); csel.add(new Option(r.name, r.id));
      });
      if (params.get("resident")) sel.value = params.get("resident");
      var box = document.getElementById("f-visitors");
      box.querySelectorAll("label").forEach(function (l) { l.remove(); });
      (facts.colleagues || []).forEach(function (c) {
        var l = document.createElement("label"), i = document.createElement("input");
        l.className = "chip"; i.type = "checkbox"; i.name = "visitors"; i.value = c.id;
        l.appendChild(i); l.appendChild(document.createTextNode(" " + c.name)); box.appendChild(l);
      });
      box.hidden = !(facts.colleagues || []).length;
    }
    if (params.get("campaign")) {
      document.getElementById("f-campaign").value = params.get("campaign");
      document.getElementById("f-kind").value = "knock";
    }
    var now = new Date(); now.setMinutes(now.getMinutes() - now.getTimezoneOffset());
    document.getElementById("f-visited-at").value = now.toISOString().slice(0, 16);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (!document.getElementById("f-household").value) { toast(T.nohh); return; }
      var fd = new FormData(form), fields = {}, photos = [];
      fd.forEach(function (v, k) {
        if (k === "csrfmiddlewaretoken") return;
        if (k === "photos") { if (v && v.size) photos.push({ blob: v, name: v.name }); return; }
        if (k === "tags" || k === "visitors") { (fields[k] = fields[k] || []).push(v); return; }
        fields[k] = v;
      });
      var ck = document.getElementById("c-kind").value;
      if (ck) {
        fields.changes = JSON.stringify([{ kind: ck, resident_id: document.getElementById("c-resident").value,
          phone: document.getElementById("c-phone").value, name: document.getElementById("c-name").value,
          relation: document.getElementById("c-relation").value, birth_date: document.getElementById("c-birth").value }]);
      }
      fields.client_key = newKey();
      var item = { key: fields.client_key, fields: fields, photos: photos, state: "pending",
                   address: facts ? facts.address : "", created: Date.now() };
      document.getElementById("save").disabled = true;  // one tap, one visit
      put(item).then(function () {
        form.reset();
        toast(T.saved);
        return sync();
      }).then(function () {
        document.getElementById("save").disabled = false;
        if (navigator.onLine) location.href = "/visits/";
      });
    });
  }

  window.addEventListener("online", function () { showNet(); sync(); });
  window.addEventListener("offline", showNet);
  document.addEventListener("DOMContentLoaded", function () {
    rememberFacts(); setupForm(); render().then(sync);
    var b = document.getElementById("sync-now");
    if (b) b.onclick = sync;
  });
  window.gzVisits = { sync: sync, all: all };
})();

// Tender and auction rooms: countdowns, and live standing over server-sent events.
// An event only says "something changed"; the page then fetches its own standing (rank, price)
// through an access-checked route, so no bidder ever receives another bidder's identity.
(function () {
  "use strict";
  const room = document.querySelector("[data-tender-room]");
  if (!room) return;
  const currency = room.dataset.currency || "EUR";
  const lang = document.documentElement.lang || "en";
  const digits = currency === "JPY" ? 0 : 2;
  let phase = null;

  function money(minor) {
    if (minor === null || minor === undefined) return "—";
    return new Intl.NumberFormat(lang, { style: "currency", currency: currency }).format(minor / Math.pow(10, digits));
  }

  function set(selector, text) {
    const node = room.querySelector(selector);
    if (node) node.textContent = text;
  }

  function tick() {
    room.querySelectorAll("[data-countdown]").forEach(function (node) {
      const left = Math.max(0, Date.parse(node.dataset.countdown) - Date.now());
      const s = Math.floor(left / 1000);
      const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
      node.textContent = (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
      if (left === 0 && !node.dataset.done) {
        node.dataset.done = "1";
        setTimeout(refresh, 1500);  // the server closes it; fetch the outcome
      }
    });
  }

  function renderRanking(rows) {
    const body = room.querySelector("[data-ranking-body]");
    if (!body || !rows) return;
    body.textContent = "";
    rows.forEach(function (row) {
      const tr = document.createElement("tr");
      [row.rank, row.supplier, money(row.unit_price), ""].forEach(function (value) {
        const td = document.createElement("td");
        td.textContent = value;
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }

  function refresh() {
    fetch(room.dataset.standingUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        if (phase !== null && data.phase !== phase) { window.location.reload(); return; }
        phase = data.phase;
        set("[data-bidders]", data.bidders);
        set("[data-bid-count]", data.bidders);
        if ("my_rank" in data) set("[data-my-rank]", data.my_rank || "—");
        if ("my_price" in data) set("[data-my-price]", money(data.my_price));
        if (data.best_price !== null && data.best_price !== undefined) set("[data-best-price]", money(data.best_price));
        const closes = room.querySelector("[data-closes]");
        if (closes && data.closes_at) { closes.dataset.countdown = data.closes_at; delete closes.dataset.done; }
        const required = room.querySelector("[data-required]");
        if (required) required.textContent = data.required_price ? required.dataset.label + " " + money(data.required_price) : "";
        if (data.phase === "open") renderRanking(data.ranking);
        room.dataset.version = data.version || "";
      });
  }

  let polling = null;
  function poll() { if (!polling) polling = setInterval(refresh, 3000); }
  if (window.EventSource && room.dataset.liveUrl) {
    let failures = 0;
    const source = new EventSource(room.dataset.liveUrl);
    ["bid", "bids", "closed", "awarded", "cancelled"].forEach(function (name) {
      source.addEventListener(name, function () { failures = 0; refresh(); });
    });
    source.onerror = function () { failures += 1; if (failures > 3) { source.close(); poll(); } };
  } else {
    poll();
  }
  refresh();
  tick();
  setInterval(tick, 1000);
})();

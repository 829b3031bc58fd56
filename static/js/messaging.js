// Live updates for messaging: the unread badge on every page and new messages in an open thread.
// Server-sent events (/live) say that something changed; the page then fetches it through normal
// routes. Without EventSource, or when the stream keeps failing, it polls every 3 seconds instead.
(function () {
  "use strict";
  if (window.marketplaceLive) return;
  window.marketplaceLive = true;

  const badge = document.querySelector("[data-unread-badge]");
  const box = document.querySelector("[data-live-thread]");
  if (!badge && !box) return;

  let pollTimer = null;
  let source = null;
  // The session ended (signed out in another tab, or expired): nothing here can recover, so stop.
  function checkSignedIn(r) {
    if (r.status !== 401) return true;
    if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    if (source) source.close();
    return false;
  }

  function refreshBadge() {
    if (!badge) return;
    fetch(badge.dataset.unreadUrl, { credentials: "same-origin" })
      .then(function (r) { return checkSignedIn(r) && r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        badge.textContent = data.threads > 0 ? String(data.threads) : "";
        badge.hidden = data.threads === 0;
      });
  }

  let loading = false;
  function refreshThread() {
    if (!box || loading) return;
    loading = true;
    const url = box.dataset.sinceUrl + "?after=" + encodeURIComponent(box.dataset.lastId || "0");
    fetch(url, { credentials: "same-origin" })
      .then(function (r) {
        if (!checkSignedIn(r) || !r.ok) return null;
        const last = r.headers.get("X-Last-Message-Id");
        return r.text().then(function (html) { return { html: html, last: last }; });
      })
      .then(function (result) {
        if (!result) return;
        if (result.html.trim()) {
          const holder = document.createElement("div");
          holder.innerHTML = result.html;
          Array.from(holder.children).forEach(function (node) {
            if (!document.getElementById(node.id)) box.appendChild(node);
          });
          box.lastElementChild && box.lastElementChild.scrollIntoView({ block: "nearest" });
        }
        if (result.last) box.dataset.lastId = result.last;
        refreshBadge();
      })
      .finally(function () { loading = false; });
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(function () { refreshThread(); refreshBadge(); }, 3000);
  }

  if (!window.EventSource) { startPolling(); return; }
  const url = "/live" + (box ? "?thread=" + encodeURIComponent(box.dataset.liveThread) : "");
  let failures = 0;
  source = new EventSource(url);
  source.addEventListener("open", function () { failures = 0; });
  source.addEventListener("message", function () { refreshThread(); });
  source.addEventListener("unread", function () { refreshBadge(); });
  source.addEventListener("error", function () {
    failures += 1;
    if (failures >= 3) { source.close(); startPolling(); }
  });
})();

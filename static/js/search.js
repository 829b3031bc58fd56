// Search: suggestions while typing, auto-submitting sort, and similar-item fragments on detail pages.
(function () {
  "use strict";
  function debounce(fn, ms) { let t; return function () { const a = arguments; clearTimeout(t); t = setTimeout(() => fn.apply(null, a), ms); }; }

  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    const list = input.parentElement.querySelector(".suggestions");
    const load = debounce(function () {
      const q = input.value.trim();
      if (q.length < 2) { list.hidden = true; return; }
      fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then((r) => (r.ok ? r.json() : { suggestions: [] }))
        .then(function (data) {
          list.replaceChildren();
          data.suggestions.forEach(function (s) {
            const li = document.createElement("li");
            const a = document.createElement("a");
            a.href = s.url;
            a.innerHTML = s.html; // escaped by the server, <mark> added
            const kind = document.createElement("span");
            kind.className = "muted small";
            kind.textContent = " " + s.type;
            a.appendChild(kind);
            li.appendChild(a);
            list.appendChild(li);
          });
          list.hidden = data.suggestions.length === 0;
        })
        .catch(function () { list.hidden = true; });
    }, 150);
    input.addEventListener("input", load);
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") list.hidden = true; });
    document.addEventListener("click", function (e) { if (!input.parentElement.contains(e.target)) list.hidden = true; });
  });

  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();

// Detail pages (offers, companies) hold <div data-fragment="/search/similar/..."> placeholders.
document.querySelectorAll("[data-fragment]").forEach(function (slot) {
  fetch(slot.dataset.fragment).then((r) => (r.ok ? r.text() : "")).then(function (html) { slot.innerHTML = html; });
});

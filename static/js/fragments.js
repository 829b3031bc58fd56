// Load server-rendered fragments from another package's route into the page (e.g. the scorecard).
(function () {
  "use strict";
  document.querySelectorAll("[data-fragment]").forEach(function (slot) {
    fetch(slot.dataset.fragment, { headers: { Accept: "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : ""; })
      .then(function (html) { if (html) slot.innerHTML = html; });
  });
})();

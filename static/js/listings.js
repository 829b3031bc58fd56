// Listings pages: live validation against the server's rules, category attributes,
// "select all" for bulk changes, and the step-by-step CSV import progress.
(function () {
  "use strict";

  const post = window.marketplaceFetch || function (url, options) { return fetch(url, options); };

  // Show only the attribute inputs of the chosen category.
  const categorySelect = document.querySelector("[data-category-select]");
  function showAttributes() {
    const slug = categorySelect ? categorySelect.value : "";
    let shown = 0;
    document.querySelectorAll("[data-attribute-for]").forEach(function (box) {
      const match = slug && box.dataset.attributeFor.split(" ").indexOf(slug) !== -1;
      box.hidden = !match;
      box.querySelectorAll("input, select").forEach(function (input) { input.disabled = !match; });
      if (match) shown += 1;
    });
    const fieldset = document.getElementById("attributes");
    if (fieldset) fieldset.hidden = shown === 0;
  }
  if (categorySelect) {
    categorySelect.addEventListener("change", showAttributes);
    showAttributes();
  }

  // Live validation: send the form to the validate endpoint; show its messages beside the fields.
  document.querySelectorAll("form[data-live-validate]").forEach(function (form) {
    let timer = null;
    let touched = {};
    function render(errors) {
      form.querySelectorAll(".error.server-live").forEach(function (node) { node.remove(); });
      form.querySelectorAll(".has-error").forEach(function (node) { node.classList.remove("has-error"); });
      Object.keys(errors).forEach(function (name) {
        const input = form.querySelector('[name="' + name + '"]');
        const box = input ? input.closest(".field") : form.querySelector('[data-field="' + name + '"]');
        if (!box) return;
        if (input && !touched[name]) return; // do not shout about fields not filled in yet
        box.classList.add("has-error");
        errors[name].forEach(function (message) {
          const p = document.createElement("p");
          p.className = "error server-live";
          p.textContent = message;
          box.appendChild(p);
        });
      });
    }
    function check() {
      const data = new FormData(form);
      data.delete("images");
      post(form.dataset.liveValidate, { method: "POST", body: data, headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) { if (body) render(body.errors || {}); })
        .catch(function () { /* the server checks again on submit */ });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name) touched[event.target.name] = true;
      if (event.target.name && event.target.name.indexOf("tier") === 0) touched.price_tiers = true;
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
  });

  // Select all rows for a bulk status change.
  document.querySelectorAll("[data-check-all]").forEach(function (box) {
    box.addEventListener("change", function () {
      box.closest("form").querySelectorAll('tbody input[type="checkbox"]').forEach(function (c) {
        c.checked = box.checked;
      });
    });
  });

  // CSV import: ask the server for the next step until the job is finished, then reload. A step
  // that fails is tried again a few times (the server fails the job after repeated failures and
  // answers "finished"); when the server stops answering at all, say so instead of looping.
  const job = document.getElementById("import-job");
  if (job && job.dataset.finished !== "true") {
    const bar = document.getElementById("import-progress");
    const maxFailures = 5;
    let failures = 0;
    const stalled = function () {
      const note = document.getElementById("import-stalled");
      if (note) {
        note.textContent = job.dataset.stalledMessage;
        note.hidden = false;
      }
    };
    const step = function () {
      post(job.dataset.stepUrl, { method: "POST", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new Error(response.status);
          return response.json();
        })
        .then(function (state) {
          failures = 0;
          bar.value = state.percent;
          job.querySelectorAll("[data-k]").forEach(function (node) {
            node.textContent = state[node.dataset.k];
          });
          if (state.finished) window.location.reload();
          else step();
        })
        .catch(function () {
          failures += 1;
          if (failures >= maxFailures) stalled();
          else window.setTimeout(step, 2000);
        });
    };
    step();
  }
})();

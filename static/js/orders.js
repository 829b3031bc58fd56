// The order form: as the buyer changes a line's offer or quantity, ask the server for the
// lines' prices and the total (the "Recalculate" button does the same without JavaScript).
(function () {
  "use strict";

  const form = document.querySelector("form[data-prices-url]");
  const table = form && form.querySelector("#order-lines");
  if (!table) return;
  const post = window.marketplaceFetch || function (url, options) { return fetch(url, options); };
  let timer = null;
  let latest = 0;

  function setCell(row, name, value) {
    const cell = row.querySelector('[data-cell="' + name + '"]');
    if (cell) cell.textContent = value || "—";
  }

  function show(prices) {
    table.querySelectorAll("tbody tr[data-line]").forEach(function (row, index) {
      const line = prices.lines[index];
      if (!line) return;
      if (index > 0) setCell(row, "moq", line.moq);
      setCell(row, "unit-price", line.unit_price);
      setCell(row, "net", line.net);
    });
    const vat = prices.vat_total && prices.reverse_charge
      ? prices.vat_total + " (" + form.dataset.reverseCharge + ")"
      : prices.vat_total;
    document.getElementById("order-net-total").textContent = prices.net_total || "—";
    document.getElementById("order-vat-total").textContent = vat || "—";
    document.getElementById("order-total").textContent = prices.total || form.dataset.incomplete;
  }

  function refresh() {
    const ask = ++latest;
    post(form.dataset.pricesUrl, { method: "POST", body: new FormData(form) })
      .then(function (answer) { return answer.ok ? answer.json() : null; })
      .then(function (prices) { if (prices && ask === latest) show(prices); })
      .catch(function () { /* the Recalculate button still works */ });
  }

  // Selects and number inputs both fire "input"; wait for a pause in typing.
  table.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  });
})();

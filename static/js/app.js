// Small behaviours shared by every page: the phone menu, live form validation, CSRF for fetch().
(function () {
  "use strict";

  const toggle = document.querySelector("[data-toggle-nav]");
  if (toggle) {
    toggle.addEventListener("click", function () {
      const nav = document.getElementById("main-nav");
      const open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Live validation: show the browser's own message beside a field when the user leaves it.
  document.querySelectorAll("form[data-validate]").forEach(function (form) {
    form.querySelectorAll("input, select, textarea").forEach(function (input) {
      input.addEventListener("blur", function () {
        const field = input.closest(".field");
        if (!field || input.type === "hidden") return;
        let message = field.querySelector(".error.live");
        if (input.checkValidity()) {
          field.classList.remove("has-error");
          if (message) message.remove();
          return;
        }
        field.classList.add("has-error");
        if (!message) {
          message = document.createElement("p");
          message.className = "error live";
          field.appendChild(message);
        }
        message.textContent = input.validationMessage;
      });
    });
  });

  // fetch() with the page's CSRF token, for our own scripts that call the JSON API.
  const token = document.querySelector('meta[name="csrf-token"]');
  window.marketplaceFetch = function (url, options) {
    const opts = Object.assign({ credentials: "same-origin" }, options || {});
    opts.headers = Object.assign({ "X-CSRFToken": token ? token.content : "" }, opts.headers || {});
    return fetch(url, opts);
  };
})();

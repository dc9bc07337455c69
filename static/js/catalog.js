/* The marketplace page: buy buttons post JSON to the purchase API and show the answer in place. */
(function () {
  "use strict";
  if (!window.htmx) return; // without htmx the buttons submit their form (a full page)

  // The API reads JSON bodies only.
  window.htmx.defineExtension("json-body", {
    onEvent: function (name, event) {
      if (name === "htmx:configRequest") event.detail.headers["Content-Type"] = "application/json";
    },
    encodeParameters: function (xhr, parameters) {
      var body = {};
      parameters.forEach(function (value, key) { body[key] = value; });
      xhr.overrideMimeType("application/json");
      return JSON.stringify(body);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var button = event.detail.elt;
    var targetId = button && button.getAttribute("data-buy-result");
    if (!targetId) return;
    var out = document.getElementById(targetId);
    var table = button.closest("table");
    var say = function (text, ok) {
      if (!out) return;
      out.textContent = text;
      out.className = "small " + (ok ? "badge badge-success" : "badge badge-danger");
    };
    var body = null;
    try { body = JSON.parse(event.detail.xhr.responseText); } catch (e) { body = null; }
    if (event.detail.successful && body && body.id) {
      say(table.getAttribute("data-bought-text"), true);
      var link = document.createElement("a");
      link.href = table.getAttribute("data-purchases-url") + encodeURIComponent(body.id) + "/";
      link.textContent = " " + table.getAttribute("data-open-text");
      out.appendChild(link);
      button.closest("form").querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    } else {
      say((body && body.error && body.error.message) || table.getAttribute("data-failed-text"), false);
    }
  });
})();

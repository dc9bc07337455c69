/* Leadmarket: small progressive enhancements. Every page works without them. */
(function () {
  "use strict";

  // Copy buttons: <button data-copy-target="id">; a status element announces the result.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    var status = document.getElementById(button.getAttribute("data-copy-status"));
    if (!field) return;
    var say = function (text) { if (status) status.textContent = text; };
    var fallback = function () {
      field.focus();
      field.select();
      try {
        document.execCommand("copy");
        say(button.getAttribute("data-copied-text") || "Copied.");
      } catch (e) {
        say(button.getAttribute("data-failed-text") || "Select the key and copy it.");
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(function () {
        say(button.getAttribute("data-copied-text") || "Copied.");
      }, fallback);
    } else {
      fallback();
    }
  });

  // Drop-down menus (<details class="menu">): one open at a time, Escape and
  // a click elsewhere close them.
  var menus = function () { return document.querySelectorAll("details.menu[open]"); };
  document.addEventListener("click", function (event) {
    menus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    menus().forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });
})();

/* app.js - small progressive enhancement only; every page works without it.
 * - forms with data-confirm ask before submitting (disable, revoke, ...)
 * - elements with data-copy-from="id" copy that element's text */
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    if (!(f instanceof HTMLFormElement)) return;
    var msg = f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) ev.preventDefault();
  });
  function addCopy(id) {
    var el = document.getElementById(id);
    if (!el || !navigator.clipboard) return;
    var b = document.createElement("button");
    b.type = "button";
    b.className = "small copy";
    b.textContent = document.documentElement.lang === "en" ? "Copy" : "コピー";
    b.addEventListener("click", function () {
      navigator.clipboard.writeText(el.textContent).then(function () {
        b.textContent = document.documentElement.lang === "en" ? "Copied" : "コピーしました";
      });
    });
    el.insertAdjacentElement("afterend", b);
  }
  document.addEventListener("DOMContentLoaded", function () {
    ["totp-secret", "api-key", "invite-link"].forEach(addCopy);
  });
})();

// The operators' call panel: the server renders it (escaped, in the reader's language); this only fetches it
// every few seconds and puts it in place. No inline script, nothing from the internet.
(function () {
  "use strict";
  var panel = document.getElementById("call-panel");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-src");
  var last = null;
  var EVERY_MS = 3000;

  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "text/html"}, cache: "no-store"})
      .then(function (r) {
        if (r.redirected || !r.ok) { throw new Error("panel " + r.status); }  // logged out: stop quietly
        return r.text();
      })
      .then(function (html) {
        if (html !== last) {
          last = html;
          panel.innerHTML = html;
          panel.classList.toggle("ringing", panel.querySelector(".call-ringing, .call-connecting") !== null);
          panel.classList.toggle("has-calls", panel.querySelector("article.call") !== null);
        }
        window.setTimeout(refresh, EVERY_MS);
      })
      .catch(function () { window.setTimeout(refresh, EVERY_MS * 5); });
  }
  refresh();
}());

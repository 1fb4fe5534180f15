/* The federated-learning panel: re-render it every 3 s from federated.json while the page
 * is visible (rounds, clients, metrics). Progressive only: without this file the panel is
 * complete as served, and reloading the page updates it. */
(function () {
  "use strict";
  var panel = document.querySelector("[data-federated-url]");
  if (!panel || !window.fetch) { return; }
  var url = panel.getAttribute("data-federated-url");
  var INTERVAL = 3000;
  var timer = null;

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (payload) {
        // Keep a text selection (someone copying the command) intact: skip this update.
        var selection = window.getSelection && window.getSelection();
        if (selection && !selection.isCollapsed && panel.contains(selection.anchorNode)) { return; }
        panel.innerHTML = payload.html;
        panel.removeAttribute("data-fed-stale");
      })
      .catch(function () { panel.setAttribute("data-fed-stale", "true"); })
      .then(schedule);
  }

  function schedule() {
    clearTimeout(timer);
    if (document.visibilityState !== "hidden") { timer = setTimeout(poll, INTERVAL); }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { poll(); } else { clearTimeout(timer); }
  });
  schedule();
})();

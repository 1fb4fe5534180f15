/* The federated-learning panel: re-render it every 3 s from federated.json while the page
 * is visible (rounds, clients, metrics), through the shared poller (poller.js).
 * Progressive only: without this file the panel is complete as served, and reloading the
 * page updates it. The panel's hook loads this file before the page's own scripts (poller.js),
 * so it starts once every deferred script has run (DOMContentLoaded). */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var panel = document.querySelector("[data-federated-url]");
  if (!panel || !window.fetch || !window.AIX) { return; }
  window.AIX.poll(panel.getAttribute("data-federated-url"), {
    interval: 3000,
    onData: function (payload) {
      // Keep a text selection (someone copying the command) intact: skip this update.
      var selection = window.getSelection && window.getSelection();
      if (selection && !selection.isCollapsed && panel.contains(selection.anchorNode)) { return; }
      panel.innerHTML = payload.html;
      panel.removeAttribute("data-fed-stale");
    },
    onError: function () { panel.setAttribute("data-fed-stale", "true"); }
  });
});
